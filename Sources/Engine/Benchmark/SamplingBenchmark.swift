import Dispatch

/// Times the sampler over one decode step's logits: `rows` sequences of the model, each under a
/// few common sampling settings, rows in turn on one thread and spread over the cores
/// (`BatchSampler`). The logits are the model's own (after a synthetic context of `contextLength`
/// tokens per sequence), so top-p and top-k see a real distribution's shape.
public enum SamplingBenchmark {
    public struct Result: Sendable {
        public var setting: String
        /// Median wall milliseconds to sample all rows once.
        public var inTurnMilliseconds: Double
        public var parallelMilliseconds: Double
    }

    public static let settings: [(name: String, params: SamplingParams)] = {
        func p(_ configure: (inout SamplingParams) -> Void) -> SamplingParams {
            var params = SamplingParams()
            configure(&params)
            return params
        }
        return [
            ("greedy", .greedy),
            ("temperature 1 (OpenAI's default)", SamplingParams()),
            ("temperature 0.7, top_p 0.9", p { $0.temperature = 0.7; $0.topP = 0.9 }),
            ("top_k 50", p { $0.topK = 50 }),
            ("repetition 1.1, top_k 40, top_p 0.95, min_p 0.05", p { $0.repetitionPenalty = 1.1; $0.topK = 40; $0.topP = 0.95; $0.minP = 0.05 }),
            ("temperature 1, logprobs 5", p { $0.logprobs = 5 }),
        ]
    }()

    public static func run(model: any ModelWeights, rows: Int = 32, contextLength: Int = 64, repeats: Int = 25,
                           threads: Int? = nil) throws -> [Result] {
        let blockSize = 16
        let perSequence = (contextLength + blockSize - 1) / blockSize
        let runner = try CPUModelRunner(weights: model, blockSize: blockSize, blockCount: rows * perSequence,
                                        arithmetic: .int16Activations, threads: threads)
        let vocab = model.config.vocabSize
        var batch = ForwardBatch()
        var contexts: [[TokenID]] = []
        for s in 0..<rows {
            let table = (0..<perSequence).map { Int32(s * perSequence + $0) }
            let tokens = (0..<contextLength).map { TokenID(($0 &* 7919 &+ s &* 104_729 &+ 13) % vocab) }
            batch.append(sequenceID: s, tokens: tokens, from: 0, blockTable: table, blockSize: blockSize, wantsLogits: true)
            contexts.append(tokens)
        }
        let logits = try runner.forward(batch)

        return settings.map { setting in
            let sampleRows = (0..<rows).map { s in
                BatchSampler.Row(logitsRow: s, params: setting.params, prompt: contexts[s][...], output: [],
                                 rng: SeededRandom(seed: UInt64(s)))
            }
            func median(parallel: Bool) -> Double {
                var times: [Double] = []
                for _ in 0..<repeats {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = BatchSampler.sample(sampleRows, logits: logits, parallel: parallel)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                return times.sorted()[times.count / 2]
            }
            _ = median(parallel: true)  // warm-up: threads, pages
            return Result(setting: setting.name, inTurnMilliseconds: median(parallel: false),
                          parallelMilliseconds: median(parallel: true))
        }
    }
}
