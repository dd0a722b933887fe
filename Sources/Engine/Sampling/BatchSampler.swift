import Dispatch

/// Samples every logits row of a step, the rows spread over the CPU's cores.
///
/// Rows are independent (each request has its own parameters and its own generator), and a
/// non-greedy row is several passes over the vocabulary: 32 rows of 49k logits at top_p 0.9 took
/// ~4 ms of one core while the kernel pool's other threads sat idle between steps. Each row's
/// result and generator depend only on that row, so the output equals sampling the rows in turn.
public enum BatchSampler {
    /// One row to sample: where its logits are, how to sample, its tokens so far, its generator.
    public struct Row: Sendable {
        public var logitsRow: Int
        public var params: SamplingParams
        public var prompt: ArraySlice<TokenID>
        public var output: ArraySlice<TokenID>
        public var rng: SeededRandom

        public init(logitsRow: Int, params: SamplingParams, prompt: ArraySlice<TokenID>,
                    output: ArraySlice<TokenID>, rng: SeededRandom) {
            self.logitsRow = logitsRow
            self.params = params
            self.prompt = prompt
            self.output = output
            self.rng = rng
        }
    }

    /// Below this many rows the threads cost more than they save (a greedy row is ~5 µs).
    static let parallelRowThreshold = 4

    /// The sampled token of each row, in order, and each row's generator after its draw.
    /// `parallel: false` samples the rows in turn on the calling thread (the benchmark's baseline).
    public static func sample(_ rows: [Row], logits: Logits, parallel: Bool = true) -> [(token: SampledToken, rng: SeededRandom)] {
        @Sendable func one(_ row: Row) -> (token: SampledToken, rng: SeededRandom) {
            var rng = row.rng
            let token = Sampler.sample(logits.row(row.logitsRow), params: row.params,
                                       prompt: row.prompt, output: row.output, rng: &rng)
            return (token, rng)
        }
        let worthIt = rows.count >= parallelRowThreshold && rows.contains { !$0.params.isGreedy || $0.params.logprobs != nil }
        guard parallel, worthIt else { return rows.map(one) }
        let results = UnsafeMutableBufferPointer<(token: SampledToken, rng: SeededRandom)>.allocate(capacity: rows.count)
        defer { results.deallocate() }
        // concurrentPerform runs iteration i exactly once and returns after all of them, so
        // each slot is initialised by one thread before anything reads it.
        let slots = SendableSlots(base: results.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: rows.count) { i in
            (slots.base + i).initialize(to: one(rows[i]))
        }
        let sampled = Array(results)
        _ = results.deinitialize()
        return sampled
    }
}

/// The result slots, handed to the worker threads; each thread writes only its own index.
private struct SendableSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<(token: SampledToken, rng: SeededRandom)>
}
