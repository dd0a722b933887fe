import XCTest
@testable import Engine
import EngineTestSupport

/// What one request produced, gathered from its events.
struct Completion: Equatable {
    var tokens: [TokenID] = []
    var text = ""
    var finish: GenerationEvent.Finish?
    var error: EngineError?
}

/// Runs an `EngineCore` step by step on the test's thread and gathers every request's output.
struct EngineDriver {
    var core: EngineCore
    let runner: any ModelRunner
    var completions: [String: Completion] = [:]
    var steps = 0

    init(runner: any ModelRunner, config: EngineConfig = EngineConfig(),
         detokenizer: any Detokenizing = ToyByteDetokenizer(eos: [1])) throws {
        self.runner = runner
        core = try EngineCore(runner: runner, detokenizer: detokenizer, config: config)
    }

    mutating func add(_ r: GenerationRequest) throws {
        try core.add(r)
        completions[r.id] = Completion()
    }

    mutating func absorb(_ outputs: [RequestOutput]) {
        for o in outputs {
            var c = completions[o.requestID] ?? Completion()
            for e in o.events {
                switch e {
                case .delta(let d): c.tokens += d.tokenIDs; c.text += d.text
                case .finished(let f): c.finish = f
                }
            }
            if let e = o.error { c.error = e }
            completions[o.requestID] = c
        }
    }

    mutating func step() {
        absorb(core.step(using: runner))
        steps += 1
    }

    mutating func runToCompletion(maxSteps: Int = 100_000) {
        while core.hasWork && steps < maxSteps { step() }
    }

    /// A request run alone on a fresh engine with room to spare: the reference output.
    static func solo(_ r: GenerationRequest, vocabSize: Int = 64, blockSize: Int = 16) throws -> Completion {
        var d = try EngineDriver(runner: PagedFakeRunner(vocabSize: vocabSize, blockSize: blockSize, blockCount: 8192 / blockSize),
                                 config: EngineConfig(maxNumBatchedTokens: 8192, maxModelLen: 4096, enablePrefixCaching: false))
        try d.add(r)
        d.runToCompletion()
        return d.completions[r.id]!
    }
}

/// Seeded random prompts and requests for the scheduler tests.
struct Workload {
    var rng: SeededRandom

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }

    mutating func prompt(length: Int, vocabSize: Int = 64) -> [TokenID] {
        (0..<length).map { _ in TokenID(Int.random(in: 2..<vocabSize, using: &rng)) }
    }

    /// Greedy or seeded sampling, a length limit, sometimes eos-driven.
    mutating func request(id: String, promptLength: ClosedRange<Int>, maxTokens: ClosedRange<Int>) -> GenerationRequest {
        var p = SamplingParams()
        if int(0...1) == 0 { p.temperature = 0 } else { p.temperature = 0.8; p.topK = 20; p.seed = rng.next() }
        p.maxTokens = int(maxTokens)
        p.ignoreEOS = int(0...3) == 0
        return GenerationRequest(id: id, prompt: .tokens(prompt(length: int(promptLength))), sampling: p)
    }
}
