import XCTest
@testable import Engine

/// The runner on the default model: sequences batched together (prefill chunks split at odd
/// places, decode steps, mixed in one step) give the logits each gives alone, and a malformed
/// batch is a thrown error that leaves the runner usable.
final class CPUModelRunnerTests: XCTestCase {
    static let prompts: [[Int32]] = [
        [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 19712, 8182, 2, 198, 1, 4093],
        [504, 3575, 282, 4649, 314, 7042, 30],
        (0..<40).map { Int32(($0 * 977 + 31) % 49152) },
    ]

    func testBatchedSequencesGiveTheLogitsTheyGiveAlone() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        for arithmetic in [CPUArithmetic.exact, .int16Activations] {
            let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 40, arithmetic: arithmetic)
            // Alone: whole prompt, then two decode steps with fixed tokens.
            var alone: [[[Float]]] = []
            for (i, p) in Self.prompts.enumerated() {
                let pool = TestBlockPool(count: 40)
                var s = TestSequence(id: i)
                var rows: [[Float]] = []
                var b = TestBatchBuilder(blockSize: 16, pool: pool)
                b.add(&s, p)
                rows.append(Array(try runner.forward(b.batch).row(0)))
                for t in [Int32(42), 43] {
                    var d = TestBatchBuilder(blockSize: 16, pool: pool)
                    d.add(&s, [t])
                    rows.append(Array(try runner.forward(d.batch).row(0)))
                }
                alone.append(rows)
            }
            // Together, in one shared cache: prompts split into chunks at odd boundaries, one
            // sequence decoding while the others are still prefilling.
            let pool = TestBlockPool(count: 40)
            var s = Self.prompts.indices.map { TestSequence(id: $0) }
            let (p0, p1, p2) = (Self.prompts[0], Self.prompts[1], Self.prompts[2])
            var got: [[[Float]]] = [[], [], []]

            var b1 = TestBatchBuilder(blockSize: 16, pool: pool)
            b1.add(&s[0], Array(p0[0..<13]), wantsLogits: false)
            b1.add(&s[1], p1)
            b1.add(&s[2], Array(p2[0..<5]), wantsLogits: false)
            var l = try runner.forward(b1.batch)
            XCTAssertEqual(l.rowCount, 1)
            got[1].append(Array(l.row(0)))

            var b2 = TestBatchBuilder(blockSize: 16, pool: pool)
            b2.add(&s[2], Array(p2[5..<31]), wantsLogits: false)
            b2.add(&s[1], [42])
            b2.add(&s[0], Array(p0[13...]))
            l = try runner.forward(b2.batch)
            got[1].append(Array(l.row(0)))
            got[0].append(Array(l.row(1)))

            var b3 = TestBatchBuilder(blockSize: 16, pool: pool)
            b3.add(&s[0], [42])
            b3.add(&s[1], [43])
            b3.add(&s[2], Array(p2[31...]))
            l = try runner.forward(b3.batch)
            got[0].append(Array(l.row(0)))
            got[1].append(Array(l.row(1)))
            got[2].append(Array(l.row(2)))

            var b4 = TestBatchBuilder(blockSize: 16, pool: pool)
            b4.add(&s[2], [42])
            b4.add(&s[0], [43])
            l = try runner.forward(b4.batch)
            got[2].append(Array(l.row(0)))
            got[0].append(Array(l.row(1)))

            var b5 = TestBatchBuilder(blockSize: 16, pool: pool)
            b5.add(&s[2], [43])
            l = try runner.forward(b5.batch)
            got[2].append(Array(l.row(0)))

            var worst: Float = 0
            for i in 0..<3 {
                XCTAssertEqual(got[i].count, 3)
                for (a, b) in zip(alone[i], got[i]) { worst = max(worst, maxAbsDifference(a, b)) }
            }
            XCTAssertLessThanOrEqual(worst, 1e-4, "\(arithmetic)")
            print("\(arithmetic): batched vs alone, largest logit difference \(worst)")
        }
    }

    func testMalformedBatchesAreRefused() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        let runner = try CPUModelRunner(weights: model, blockSize: 16, blockCount: 4)
        var s = TestSequence(id: 0)
        var good = TestBatchBuilder(blockSize: 16, pool: TestBlockPool(count: 4))
        good.add(&s, [1, 2, 3])
        let valid = good.batch

        var cases: [(String, ForwardBatch)] = []
        var b = valid; b.slotMapping[1] = 4 * 16 + 3; cases.append(("slot outside the cache", b))
        b = valid; b.slotMapping[1] += 1; cases.append(("slot not where the block table says", b))
        b = valid; b.slices[0].blockTable = [9]; cases.append(("block id outside the cache", b))
        b = valid; b.slices[0].blockTable = [-1]; cases.append(("negative block id", b))
        b = valid; b.slices[0].blockTable = []; cases.append(("no block for the context", b))
        b = valid; b.tokens[2] = 49152; cases.append(("token id outside the vocabulary", b))
        b = valid; b.tokens[0] = -5; cases.append(("negative token id", b))
        b = valid; b.positions[0] = 7; cases.append(("position not from the context length", b))
        b = valid; b.positions.removeLast(); cases.append(("fewer positions than tokens", b))
        b = valid; b.slices[0].tokenRange = 0..<5; cases.append(("slice past the tokens", b))
        b = valid; b.slices[0].tokenRange = 0..<2; cases.append(("slices not covering the tokens", b))
        b = valid; b.slices[0].contextLength = 2; cases.append(("context shorter than the slice", b))
        b = valid; b.slices[0].contextLength = 17; cases.append(("context longer than the table", b))
        b = valid; b.slices.append(b.slices[0]); cases.append(("overlapping slices", b))
        for (what, batch) in cases {
            XCTAssertThrowsError(try runner.forward(batch), what) { error in
                XCTAssertTrue(error is ForwardBatchError, "\(what): \(error)")
            }
        }
        // Still usable, and the error names what is wrong.
        XCTAssertEqual(try runner.forward(valid).rowCount, 1)
        var bad = valid
        bad.slices[0].blockTable = [9]
        XCTAssertThrowsError(try runner.forward(bad)) { error in
            XCTAssertEqual("\(error)", "invalid forward batch: slice 0 (sequence 0): block 9 is outside the cache's 4 blocks")
        }
        XCTAssertEqual(try runner.forward(ForwardBatch()).rowCount, 0)
    }

    func testCacheSizing() throws {
        let model = try GGUFModel(path: TestModel.defaultGGUFPath)
        // The default cache is half (`--kv-cache-dtype auto`): 2 bytes per element, half a float32 block.
        let perBlock = CPUKVCacheFormat.float16.bytesPerToken(model.config) * 16
        XCTAssertEqual(perBlock * 2, model.config.kvBytesPerToken * 16)
        let runner = try CPUModelRunner(weights: model, kvCacheBytes: 10 * perBlock + 5)
        XCTAssertEqual(runner.kvCacheFormat, .float16)
        XCTAssertEqual(runner.blockCount, 10)
        XCTAssertEqual(try CPUModelRunner(weights: model, kvCacheBytes: 10 * perBlock + 5, kvCacheFormat: .float32).blockCount, 5)
        XCTAssertEqual(try CPUModelRunner(weights: model, blockCount: 1, arithmetic: .exact).kvCacheFormat, .float32)
        XCTAssertThrowsError(try CPUModelRunner(weights: model, kvCacheBytes: perBlock - 1)) { XCTAssertTrue($0 is CPURunnerError) }
        XCTAssertThrowsError(try CPUModelRunner(weights: model, blockSize: 0, blockCount: 4)) { XCTAssertTrue($0 is CPURunnerError) }
        XCTAssertThrowsError(try CPUModelRunner(weights: model, blockCount: 0)) { XCTAssertTrue($0 is CPURunnerError) }
    }
}
