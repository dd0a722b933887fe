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

    static func run(_ runner: CPUModelRunner, _ c: Fixture.Case, steps: Int) throws -> Run {
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
            d.add(&seq, [Int32(next)])
            let logits = try runner.forward(d.batch)
            XCTAssertEqual(logits.rowCount, 1)
            last = Array(logits.row(0))
        }
        return out
    }

    func testExactArithmeticMatchesTransformers() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 64, arithmetic: .exact)
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
        print("exact arithmetic: largest top-5 logit deviation from transformers \(worst)")
    }

    /// The fast paths: first 8 greedy ids identical; the top-1 logit within `tolerance` of
    /// transformers'. Plain 8-bit activations (llama.cpp's scheme) cannot meet the fixture's 0.05
    /// on this model (q/k/v inputs carry outlier channels: measured 0.40), so they are held to
    /// 0.6 here to catch regressions, and the residual byte is held to 0.05.
    func checkQuantized(_ arithmetic: CPUArithmetic, tolerance: Float) throws -> Float {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 64, arithmetic: arithmetic)
        var worst: Float = 0
        for c in try Self.fixture().cases {
            let r = try Self.run(runner, c, steps: 8)
            XCTAssertEqual(r.generated, Array(c.generated_ids.prefix(8)), "\(c.name) \(arithmetic)")
            for i in 0..<min(8, r.stepLogits.count) {
                let step = c.steps[i]
                let got = r.stepLogits[i][step.top5_ids[0]]
                worst = max(worst, abs(got - step.top5_logits[0]))
                XCTAssertEqual(got, step.top5_logits[0], accuracy: tolerance, "\(c.name) step \(i) \(arithmetic)")
            }
        }
        print("\(arithmetic) (\(runner.kernelPath)): largest top-1 logit deviation from transformers over the first 8 steps \(worst)")
        return worst
    }

    func testInt16ActivationsStayWithinTheFixtureTolerance() throws {
        _ = try checkQuantized(.int16Activations, tolerance: 0.05)
    }

    func testInt8ActivationsKeepTheGreedyIds() throws {
        _ = try checkQuantized(.int8Activations, tolerance: 0.6)
    }
}
