import Foundation
import XCTest
@testable import Engine
import EngineTestSupport

/// Each sampling parameter on a hand-made distribution, with vLLM's semantics.
final class SamplerTests: XCTestCase {
    /// log of [0.5, 0.3, 0.15, 0.05]: softmax gives those probabilities back.
    let fourWay: [Float] = [0.5, 0.3, 0.15, 0.05].map { Float(log($0)) }

    private func draws(_ logits: [Float], _ p: SamplingParams, n: Int = 4000, prompt: [TokenID] = [], output: [TokenID] = []) -> [Int: Int] {
        var rng = SeededRandom(seed: 42)
        var counts: [Int: Int] = [:]
        for _ in 0..<n {
            let t = Sampler.sample(logits[...], params: p, prompt: prompt[...], output: output[...], rng: &rng).token
            counts[Int(t), default: 0] += 1
        }
        return counts
    }

    private func params(_ configure: (inout SamplingParams) -> Void) -> SamplingParams {
        var p = SamplingParams()
        configure(&p)
        return p
    }

    func testGreedyTakesTheArgmaxAndNeedsNoRandomness() {
        XCTAssertEqual(draws(fourWay, .greedy, n: 50), [0: 50])
    }

    func testPlainSamplingFollowsTheDistribution() {
        let c = draws(fourWay, SamplingParams(), n: 20000)
        for (token, p) in [0.5, 0.3, 0.15, 0.05].enumerated() {
            XCTAssertEqual(Double(c[token, default: 0]) / 20000, p, accuracy: 0.015, "token \(token)")
        }
    }

    func testTemperatureSharpensOrFlattens() {
        let cold = draws(fourWay, params { $0.temperature = 0.1 })
        XCTAssertGreaterThan(cold[0, default: 0], 3950)  // p ∝ p^10: token 1 keeps ~0.6%
        let hot = draws(fourWay, params { $0.temperature = 10 })
        // At T=10 the four are nearly uniform.
        for t in 0..<4 { XCTAssertEqual(Double(hot[t, default: 0]) / 4000, 0.25, accuracy: 0.05) }
    }

    func testTopKKeepsTheKMostLikely() {
        let c = draws(fourWay, params { $0.topK = 2 })
        XCTAssertEqual(Set(c.keys), [0, 1])
        XCTAssertEqual(Double(c[0]!) / 4000, 0.5 / 0.8, accuracy: 0.03)
    }

    func testTopPKeepsTheSmallestNucleus() {
        // Ascending cumulative: 0.05, 0.20, 0.50 - tokens 3 and 2 drop while it stays <= 1 - p.
        // (Not p = 0.8: 0.20 would sit exactly on 1 - p, where float32 probabilities, which vLLM
        // and kvd_top_p use, fall on either side.)
        XCTAssertEqual(Set(draws(fourWay, params { $0.topP = 0.79 }).keys), [0, 1])
        XCTAssertEqual(Set(draws(fourWay, params { $0.topP = 0.81 }).keys), [0, 1, 2])
        XCTAssertEqual(Set(draws(fourWay, params { $0.topP = 0.01 }).keys), [0], "the top token always stays")
    }

    func testMinPDropsTokensBelowAFractionOfTheTop() {
        XCTAssertEqual(Set(draws(fourWay, params { $0.minP = 0.5 }).keys), [0, 1])   // cut at 0.25
        XCTAssertEqual(Set(draws(fourWay, params { $0.minP = 0.29 }).keys), [0, 1, 2]) // cut at 0.145
    }

    func testRepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        var l: [Float] = [2.0, 1.9, -1.0, -1.5]
        Sampler.applyPenalties(&l, params: params { $0.repetitionPenalty = 2 }, prompt: [0], output: [2])
        XCTAssertEqual(l, [1.0, 1.9, -2.0, -1.5], "prompt and output tokens are both penalised")
        XCTAssertEqual(draws([2.0, 1.9, -1, -1.5], params { $0.temperature = 0; $0.repetitionPenalty = 2 }, n: 1, prompt: [0]), [1: 1])
    }

    func testPresenceAndFrequencyCountOnlyGeneratedTokens() {
        var l: [Float] = [3, 3, 3, 3]
        Sampler.applyPenalties(&l, params: params { $0.presencePenalty = 0.5; $0.frequencyPenalty = 0.25 },
                               prompt: [3, 3, 3], output: [0, 0, 1])
        XCTAssertEqual(l, [3 - 0.5 - 0.5, 3 - 0.5 - 0.25, 3, 3])
        // Negative penalties encourage repetition.
        var m: [Float] = [1, 1]
        Sampler.applyPenalties(&m, params: params { $0.presencePenalty = -1 }, prompt: [], output: [1])
        XCTAssertEqual(m, [1, 2])
    }

    func testLogprobsAreTheRawLogSoftmax() {
        var rng = SeededRandom(seed: 1)
        let s = Sampler.sample(fourWay[...], params: params { $0.temperature = 0; $0.logprobs = 2; $0.repetitionPenalty = 5 },
                               prompt: [0], output: [], rng: &rng)
        // The penalty moves the choice to token 1, but logprobs describe the model's distribution.
        XCTAssertEqual(s.token, 1)
        let lp = s.logprobs!
        XCTAssertEqual(Double(lp.chosen), log(0.3), accuracy: 1e-5)
        XCTAssertEqual(lp.rank, 2)
        XCTAssertEqual(lp.top.map(\.token), [0, 1])
        XCTAssertEqual(Double(lp.top[0].logprob), log(0.5), accuracy: 1e-5)
    }

    func testSeedsReproduceAndDifferentSeedsDiffer() {
        var a = SeededRandom(seed: 7), b = SeededRandom(seed: 7), c = SeededRandom(seed: 8)
        let flat = [Float](repeating: 0, count: 50)
        let p = SamplingParams()
        let run = { (r: inout SeededRandom) in (0..<20).map { _ in Sampler.sample(flat[...], params: p, prompt: [], output: [], rng: &r).token } }
        XCTAssertEqual(run(&a), run(&b))
        XCTAssertNotEqual(run(&a), run(&c))
    }

    /// A seeded request samples the same tokens alone, in a crowd, and arriving in another order.
    func testSeededSamplingDoesNotDependOnTheBatch() throws {
        var request = GenerationRequest(id: "seeded", prompt: .tokens([3, 4, 5, 6, 7]), sampling: params {
            $0.temperature = 1.5; $0.seed = 1234; $0.maxTokens = 40; $0.ignoreEOS = true
        })
        // At T=1.5 the fake model's favourite has about 30% of the mass: the draws really vary.
        let solo = try EngineDriver.solo(request)
        var w = Workload(seed: 9)
        for arrangement in 0..<3 {
            var d = try EngineDriver(runner: PagedFakeRunner(blockCount: 128), config: EngineConfig(maxNumBatchedTokens: 64))
            let others = (0..<(4 * arrangement + 2)).map { w.request(id: "o\(arrangement)-\($0)", promptLength: 1...60, maxTokens: 5...50) }
            if arrangement == 1 { try d.add(request) }
            for o in others { try d.add(o); if arrangement == 2 { d.step() } }
            if arrangement != 1 { try d.add(request) }
            d.runToCompletion()
            XCTAssertEqual(d.completions["seeded"]!.tokens, solo.tokens, "arrangement \(arrangement)")
        }
        request.sampling.seed = 4321
        XCTAssertNotEqual(try EngineDriver.solo(request).tokens, solo.tokens)
    }

    func testValidationNamesTheField() {
        XCTAssertThrowsError(try params { $0.topP = 0 }.validate(vocabSize: 10)) { XCTAssertTrue("\($0)".contains("top_p")) }
        XCTAssertThrowsError(try params { $0.temperature = -1 }.validate(vocabSize: 10)) { XCTAssertTrue("\($0)".contains("temperature")) }
        XCTAssertThrowsError(try params { $0.stopTokenIDs = [10] }.validate(vocabSize: 10)) { XCTAssertTrue("\($0)".contains("stop_token_ids")) }
        XCTAssertThrowsError(try params { $0.logprobs = 21 }.validate(vocabSize: 10))
        XCTAssertNoThrow(try params { $0.topK = -1 }.validate(vocabSize: 10))
    }
}

extension SamplerTests {
    func testLargestMatchesAFullSort() {
        var rng = SeededRandom(seed: 3)
        let l = (0..<2000).map { _ in Float(Int.random(in: 0..<300, using: &rng)) }  // many ties
        for n in [1, 5, 20, 300, 2000] {
            let sorted = Array(l.indices.sorted { l[$0] != l[$1] ? l[$0] > l[$1] : $0 < $1 }.prefix(n))
            XCTAssertEqual(Sampler.largest(l[...], n), sorted, "n = \(n)")
        }
    }
}
