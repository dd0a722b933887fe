import CKernels
import Foundation

/// Measures the CPU engine on a model: the memory bandwidth the kernels can see (a copy of a
/// buffer far larger than L3, with the runner's threads), batch-1 decode against the bandwidth
/// ceiling (weight bytes per token / bandwidth), aggregate decode with many sequences, and
/// prefill. Used by Benchmarks/EngineDecode and reusable by a `kvdeck bench MODEL` command.
public struct DecodeBenchmark {
    public struct Options: Sendable {
        public var arithmetic: CPUArithmetic = .int16Activations
        public var kernelPath: CPUKernelPath = .best
        /// nil: what `--kv-cache-dtype auto` picks (half, or float32 with exact arithmetic).
        public var kvCacheFormat: CPUKVCacheFormat? = nil
        public var threads: Int? = nil
        /// Tokens each decoding sequence has cached before the timed steps.
        public var contextLength = 64
        /// Timed decode steps per batch size; each step is timed on its own.
        public var decodeSteps = 48
        public var batchSizes = [1, 8, 32]
        public var prefillLength = 512
        public var copyBytes = 256 << 20
        /// Copy and prefill figures are the best of this many runs (other processes share the
        /// machine).
        public var repeats = 3
        /// Also time each phase of the decode steps (`ForwardPhaseTimes`): ~10 clock reads per
        /// layer, microseconds a step.
        public var phases = false
        public init() {}
    }

    public struct Report: Sendable {
        public var threads = 0
        public var kernelPath = CPUKernelPath.reference
        public var arithmetic = CPUArithmetic.exact
        public var kvCacheFormat = CPUKVCacheFormat.float32
        /// Bytes read plus bytes written per second by a large memcpy.
        public var copyBytesPerSecond = 0.0
        public var weightBytesPerToken = 0
        /// Decode tokens per second by batch size (aggregate over the batch's sequences), from the
        /// median step and from the fastest step. On a shared machine the fastest step is the
        /// closest to what the code does on idle cores; the median is what a user saw right then.
        public var decodeTokensPerSecond: [Int: Double] = [:]
        public var decodeTokensPerSecondFastest: [Int: Double] = [:]
        /// CPU seconds this process used per wall second while decoding (threads spinning for
        /// work count as busy): below the thread count means other processes took the cores.
        public var decodeCPUUtilization: [Int: Double] = [:]
        /// CPU seconds per decode step (all threads, spinning included). With one thread it is
        /// the work itself, a figure other processes on the machine barely move.
        public var decodeCPUSecondsPerStep: [Int: Double] = [:]
        public var prefillLength = 0
        public var prefillTokensPerSecond = 0.0
        /// With `Options.phases`: by batch size, wall milliseconds per decode step in each phase
        /// that took any (mean over the timed steps), in pass order; a model without q/k norms has
        /// no such phase.
        public var decodePhaseMilliseconds: [Int: [(phase: ForwardPhaseTimes.Phase, milliseconds: Double)]] = [:]
        /// Multiply-adds of the matrix products per token, and the instruction they use with the
        /// multiply-adds per second it sustains on every thread at once (nil on the reference path).
        public var multiplyAddsPerToken = 0
        public var multiplyAddPeak: (instruction: String, perSecond: Double)?

        public var ceilingTokensPerSecond: Double { copyBytesPerSecond / Double(max(weightBytesPerToken, 1)) }
        /// What a batched step could reach if the products were the only work and ran at the
        /// instruction's peak: batches are bound by it as batch 1 is by the bandwidth ceiling.
        public var batchCeilingTokensPerSecond: Double? {
            multiplyAddPeak.map { $0.perSecond / Double(max(multiplyAddsPerToken, 1)) }
        }

        public var lines: [String] {
            var out: [String] = []
            func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
            out.append("kernels: \(kernelPath), \(arithmetic), \(kvCacheFormat), \(threads) threads")
            out.append("copy bandwidth (memcpy of \(f(Double(Options().copyBytes) / 1048576, 0)) MiB, read+write): \(f(copyBytesPerSecond / 1e9, 2)) GB/s")
            out.append("weights read per token: \(f(Double(weightBytesPerToken) / 1e6, 2)) MB -> ceiling \(f(ceilingTokensPerSecond)) tokens/s")
            if let peak = multiplyAddPeak, let batchCeiling = batchCeilingTokensPerSecond {
                out.append("multiply-adds per token: \(f(Double(multiplyAddsPerToken) / 1e6)) M; \(peak.instruction) on \(threads) threads: \(f(peak.perSecond / 1e9)) G/s -> batch ceiling \(f(batchCeiling)) tokens/s")
            }
            let base = decodeTokensPerSecond[1], fastBase = decodeTokensPerSecondFastest[1]
            out.append("decode (tokens/s, median step / fastest step):")
            for b in decodeTokensPerSecond.keys.sorted() {
                let v = decodeTokensPerSecond[b]!, fast = decodeTokensPerSecondFastest[b]!
                var line = "  batch \(b): \(f(v)) / \(f(fast))"
                if let u = decodeCPUUtilization[b], let c = decodeCPUSecondsPerStep[b] {
                    line += "  [\(f(u, 2)) CPUs, \(f(c * 1000, 2)) CPU ms/step]"
                }
                if b == 1 { line += "  (\(f(100 * v / ceilingTokensPerSecond))% / \(f(100 * fast / ceilingTokensPerSecond))% of the ceiling)" }
                else if let base, let fastBase {
                    line += "  (\(f(v / base, 2))x / \(f(fast / fastBase, 2))x batch 1"
                    if let batchCeiling = batchCeilingTokensPerSecond { line += "; \(f(100 * v / batchCeiling))% of the batch ceiling" }
                    line += ")"
                }
                out.append(line)
            }
            for b in decodePhaseMilliseconds.keys.sorted() {
                let phases = decodePhaseMilliseconds[b]!
                let total = phases.reduce(0) { $0 + $1.milliseconds }
                out.append("batch \(b) step by phase (wall ms per step, mean; \(f(total, 2)) ms in all):")
                for p in phases {
                    out.append("  \(p.phase.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(f(p.milliseconds, 3))  \(f(100 * p.milliseconds / max(total, 1e-9)))%")
                }
            }
            out.append("prefill \(prefillLength) tokens: \(f(prefillTokensPerSecond)) tokens/s")
            return out
        }
    }

    public static func run(model: any ModelWeights, options o: Options, progress: (String) -> Void = { _ in }) throws -> Report {
        let bs = 16
        let maxBatch = o.batchSizes.max() ?? 1
        let perSeqBlocks = (o.contextLength + o.decodeSteps + 2 + bs) / bs + 1
        let blocks = max(maxBatch * perSeqBlocks, (o.prefillLength + bs - 1) / bs)
        let runner = try CPUModelRunner(weights: model, blockSize: bs, blockCount: blocks,
                                        arithmetic: o.arithmetic, kernelPath: o.kernelPath,
                                        kvCacheFormat: o.kvCacheFormat, threads: o.threads)
        var report = Report()
        report.threads = runner.threadCount
        report.kernelPath = runner.kernelPath
        report.arithmetic = runner.arithmetic
        report.kvCacheFormat = runner.kvCacheFormat
        report.weightBytesPerToken = runner.weightBytesPerToken
        report.prefillLength = o.prefillLength

        report.copyBytesPerSecond = copyBandwidth(pool: runner.pool, bytes: o.copyBytes, repeats: o.repeats + 2)
        progress("copy bandwidth \(String(format: "%.2f", report.copyBytesPerSecond / 1e9)) GB/s")
        report.multiplyAddsPerToken = runner.multiplyAddsPerToken
        report.multiplyAddPeak = runner.multiplyAddPeak(repeats: o.repeats + 2)
        if let peak = report.multiplyAddPeak {
            progress("\(peak.instruction) peak \(String(format: "%.1f", peak.perSecond / 1e9)) G multiply-adds/s")
        }

        let vocab = model.config.vocabSize
        func token(_ i: Int) -> Int32 { Int32((i &* 7919 &+ 13) % vocab) }

        for b in o.batchSizes.sorted() {
            // Sequence s owns blocks s*perSeqBlocks ..< (s+1)*perSeqBlocks.
            var cached = [Int](repeating: 0, count: b)
            func step(_ lengths: [Int]) throws {
                var batch = ForwardBatch()
                for s in 0..<b where lengths[s] > 0 {
                    let table = (0..<perSeqBlocks).map { Int32(s * perSeqBlocks + $0) }
                    let positions = cached[s]..<(cached[s] + lengths[s])
                    batch.append(sequenceID: s, tokens: positions.map { token($0 + s) }, from: cached[s],
                                 blockTable: table, blockSize: bs, wantsLogits: true)
                    cached[s] += lengths[s]
                }
                _ = try runner.forward(batch)
            }
            try step([Int](repeating: o.contextLength, count: b))  // fill the context, untimed
            try step([Int](repeating: 1, count: b))                 // warm-up
            var times: [Double] = []
            let phaseTimes = o.phases ? ForwardPhaseTimes() : nil
            runner.phaseTimes = phaseTimes
            let cpu0 = processCPUSeconds(), wall0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<o.decodeSteps {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try step([Int](repeating: 1, count: b))
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            let cpu = processCPUSeconds() - cpu0
            runner.phaseTimes = nil
            if let phaseTimes {
                report.decodePhaseMilliseconds[b] = phaseTimes.millisecondsPerPass.filter { $0.milliseconds > 0 }
            }
            report.decodeCPUUtilization[b] = cpu / (Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9)
            report.decodeCPUSecondsPerStep[b] = cpu / Double(o.decodeSteps)
            times.sort()
            report.decodeTokensPerSecond[b] = Double(b) / times[times.count / 2]
            report.decodeTokensPerSecondFastest[b] = Double(b) / times[0]
            progress("decode batch \(b): \(String(format: "%.1f", report.decodeTokensPerSecond[b]!)) tokens/s (median step)")
        }

        var bestPrefill = Double.infinity
        for _ in 0..<max(1, o.repeats - 1) {
            var batch = ForwardBatch()
            let table = (0..<((o.prefillLength + bs - 1) / bs)).map { Int32($0) }
            batch.append(sequenceID: 0, tokens: (0..<o.prefillLength).map(token), from: 0, blockTable: table,
                         blockSize: bs, wantsLogits: true)
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try runner.forward(batch)
            bestPrefill = min(bestPrefill, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        report.prefillTokensPerSecond = Double(o.prefillLength) / bestPrefill
        progress("prefill: \(String(format: "%.1f", report.prefillTokensPerSecond)) tokens/s")
        return report
    }

    static func processCPUSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// Bytes read + written per second copying `bytes` between two buffers with every pool
    /// thread, best of `repeats`. The buffers are touched first so page faults are not timed.
    static func copyBandwidth(pool: CPUThreadPool, bytes: Int, repeats: Int) -> Double {
        let src = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        defer { src.deallocate(); dst.deallocate() }
        memset(src, 1, bytes)
        memset(dst, 2, bytes)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            kvd_pool_memcpy(pool.raw, dst, src, UInt(bytes))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return Double(2 * bytes) / best
    }
}
