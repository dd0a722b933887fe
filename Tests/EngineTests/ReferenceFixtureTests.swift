import Foundation
import KvdeckTestSupport
import XCTest
@testable import Engine

/// The default model against Hugging Face transformers' float32 logits
/// (../shared/fixtures/engine/README.md): prefill each prompt, then 20 greedy decode steps
/// through the paged cache with 16-token blocks, so every case crosses blocks.
final class ReferenceFixtureTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable {
            struct Prefill: Decodable { let argmax: [Int] }
            struct Step: Decodable {
                let token_id: Int
                let top5_ids: [Int]
                let top5_logits: [Float]
            }
            let name: String
            let prompt_ids: [Int32]
            let generated_ids: [Int]
            let prefill_last_positions: Prefill?
            let steps: [Step]
        }
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        let url = SharedFixtures.root.appendingPathComponent("fixtures/engine/smollm2-135m-q4_1-reference.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    struct Run {
        var prefillArgmax: [Int] = []
        var generated: [Int] = []
        /// Logits of each greedy step (step 0 from the prefill's last position).
        var stepLogits: [[Float]] = []
    }

    /// forced: decode the reference's ids instead of our own argmax (teacher forcing), so logits
    /// stay comparable after a near-tie goes the other way.
    static func run(_ runner: CPUModelRunner, _ c: Fixture.Case, steps: Int, forced: Bool = false) throws -> Run {
        var out = Run()
        let pool = TestBlockPool(count: runner.blockCount)
        var seq = TestSequence(id: 0)
        var b = TestBatchBuilder(blockSize: runner.blockSize, pool: pool)
        b.add(&seq, c.prompt_ids)
        let prefill = try runner.forward(b.batch, logitsForEveryToken: true)
        out.prefillArgmax = (0..<prefill.rowCount).map { argmax(prefill.row($0)) }
        var last = Array(prefill.row(prefill.rowCount - 1))
        for step in 0..<steps {
            out.stepLogits.append(last)
            let next = argmax(last[...])
            out.generated.append(next)
            if step == steps - 1 { break }
            var d = TestBatchBuilder(blockSize: runner.blockSize, pool: pool)
            d.add(&seq, [Int32(forced ? c.generated_ids[step] : next)])
            let logits = try runner.forward(d.batch)
            XCTAssertEqual(logits.rowCount, 1)
            last = Array(logits.row(0))
        }
        return out
    }

    /// The SIMD paths this CPU runs (the plain reference is checked against them kernel by kernel).
    static let paths = CPUKernelPath.allCases.filter { $0.isSupported && $0 != .reference }

    func testExactArithmeticMatchesTransformers() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        for path in Self.paths {
        let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 64, arithmetic: .exact, kernelPath: path)
        var worst: Float = 0
        for c in try Self.fixture().cases {
            let r = try Self.run(runner, c, steps: c.steps.count)
            XCTAssertEqual(r.generated, c.generated_ids, c.name)
            if let p = c.prefill_last_positions {
                XCTAssertEqual(r.prefillArgmax, p.argmax, "\(c.name): prefill argmax per position")
            }
            for (i, step) in c.steps.enumerated() where i < r.stepLogits.count {
                for (id, expected) in zip(step.top5_ids, step.top5_logits) {
                    let got = r.stepLogits[i][id]
                    worst = max(worst, abs(got - expected))
                    XCTAssertEqual(got, expected, accuracy: 1e-3, "\(c.name) step \(i) token \(id)")
                }
            }
        }
        print("exact arithmetic (\(path)): largest top-5 logit deviation from transformers \(worst)")
        }
    }

    /// The fast path: first 8 greedy ids identical and the top-1 logit within 0.05 of
    /// transformers' (measured ~0.002 with int16 activations).
    func testInt16ActivationsStayWithinTheFixtureTolerance() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        for path in Self.paths {
            let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 64, arithmetic: .int16Activations, kernelPath: path)
            let worst = try assertFirstStepsWithinTolerance(runner, "\(path)")
            print("int16 activations (\(path)): largest top-1 logit deviation from transformers over the first 8 steps \(worst)")
        }
    }

    /// First 8 greedy ids equal to the fixture's, top-1 logits within 0.05; returns the largest
    /// deviation.
    private func assertFirstStepsWithinTolerance(_ runner: CPUModelRunner, _ label: String) throws -> Float {
        var worst: Float = 0
        for c in try Self.fixture().cases {
            let r = try Self.run(runner, c, steps: 8)
            XCTAssertEqual(r.generated, Array(c.generated_ids.prefix(8)), "\(c.name) \(label)")
            for i in 0..<min(8, r.stepLogits.count) {
                let step = c.steps[i]
                let got = r.stepLogits[i][step.top5_ids[0]]
                worst = max(worst, abs(got - step.top5_logits[0]))
                XCTAssertEqual(got, step.top5_logits[0], accuracy: 0.05, "\(c.name) step \(i) \(label)")
            }
        }
        return worst
    }

    /// The half KV cache with the default arithmetic: the same bounds as the float32 cache (first
    /// 8 greedy ids identical, top-1 logits within 0.05 of transformers').
    func testHalfKVCacheStaysWithinTheFixtureTolerance() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 64, kvCacheFormat: .float16)
        let worst = try assertFirstStepsWithinTolerance(runner, "half KV cache")
        print("half KV cache, int16 activations (\(runner.kernelPath)): largest top-1 logit deviation from transformers over the first 8 steps \(worst)")
    }

    /// Plain 8-bit activations (llama.cpp's scheme) cannot meet the fixture's bounds on this
    /// model: q/k/v inputs carry outlier channels, top-1 logits move by 0.4 to 1.0 (the figure
    /// jumps with 1-ulp changes elsewhere, e.g. in exp, as values cross rounding boundaries), and
    /// chat_capital's first step (a 0.08 margin) can flip. Measured, teacher-forced so each step
    /// compares like with like; only gross regressions fail (drift over 2, or the argmax differing
    /// at more than 4 of 24 steps).
    func testInt8ActivationsStayWithinTheirMeasuredBound() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        for path in Self.paths {
            let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 64, arithmetic: .int8Activations, kernelPath: path)
            var worst: Float = 0
            var agreeing = 0, steps = 0
            for c in try Self.fixture().cases {
                let r = try Self.run(runner, c, steps: 8, forced: true)
                for i in 0..<8 {
                    let step = c.steps[i]
                    let got = r.stepLogits[i][step.top5_ids[0]]
                    worst = max(worst, abs(got - step.top5_logits[0]))
                    XCTAssertEqual(got, step.top5_logits[0], accuracy: 2.0, "\(c.name) step \(i) \(path)")
                    agreeing += r.generated[i] == c.generated_ids[i] ? 1 : 0
                    steps += 1
                }
            }
            XCTAssertGreaterThanOrEqual(agreeing, steps - 4, "\(path)")
            print("int8 activations (\(path)): largest top-1 logit deviation \(worst); argmax equal to the reference at \(agreeing) of \(steps) teacher-forced steps")
        }
    }
}
