import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck bench` with tiny settings: every row is there (the figures themselves are measured in
/// Benchmarks/, never asserted in a test).
final class BenchCommandTests: XCTestCase {
    let tiny = ["--batch-sizes", "1,2", "--prefill", "16", "--context", "8", "--steps", "2", "--repeats", "1", "--threads", "1"]

    func testTheTableHasEveryRow() throws {
        let r = try EngineCommand.run(["bench", "default"] + tiny)
        XCTAssertEqual(r.status, 0, r.stderr)
        for row in ["copy bandwidth", "weights per token", "decode ceiling", "decode batch 1", "decode batch 2", "prefill 16 tokens"] {
            XCTAssertTrue(r.stdout.contains("\n" + row + " "), "\(row): \(r.stdout)")
        }
        // The arithmetic ceiling needs a vector path; every machine this project runs on has one.
        for row in ["multiply-add peak", "batch ceiling"] {
            XCTAssertTrue(r.stdout.contains("\n" + row + " "), "\(row): \(r.stdout)")
        }
        XCTAssertTrue(r.stdout.contains("of batch ceiling"), r.stdout)
        XCTAssertTrue(r.stdout.contains("of ceiling"), r.stdout)
        XCTAssertTrue(r.stdout.contains("x batch 1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 threads"), r.stdout)
        XCTAssertTrue(r.stdout.contains("float16 KV cache"), "the default cache is half: \(r.stdout)")
        XCTAssertTrue(r.stderr.contains("kvdeck bench: prefill:"), "progress on stderr: \(r.stderr)")
    }

    func testJSONHasEveryFigure() throws {
        let out = try EngineCommand.json(["bench", "default", "-o", "json", "--kv-cache-dtype", "float32"] + tiny)
        for key in ["copy_bytes_per_s", "ceiling_tokens_per_s", "prefill_tokens_per_s"] {
            XCTAssertGreaterThan(out[key] as? Double ?? 0, 0, key)
        }
        XCTAssertGreaterThan(out["weight_bytes_per_token"] as? Int ?? 0, 0)
        XCTAssertEqual(out["kv_cache_dtype"] as? String, "float32", "--kv-cache-dtype float32 as asked")
        let decode = try XCTUnwrap(out["decode"] as? [[String: Any]])
        XCTAssertEqual(decode.map { $0["batch"] as? Int }, [1, 2])
        XCTAssertNotNil(decode[0]["of_ceiling"] as? Double)
        XCTAssertNotNil(decode[1]["times_batch_1"] as? Double)
        // SmolLM2-135M's products per token, from its shape: 30 layers of q and o (576 x 576), k
        // and v (576 x 192), gate, up and down (576 x 1536), then the output matrix (576 x 49152).
        let perLayer = 2 * 576 * 576 + 2 * 576 * 192 + 3 * 576 * 1536
        XCTAssertEqual(out["multiply_adds_per_token"] as? Int, 30 * perLayer + 576 * 49152)
        XCTAssertNotNil(out["multiply_add_instruction"] as? String)
        let peak = try XCTUnwrap(out["multiply_add_peak_per_s"] as? Double)
        let batchCeiling = try XCTUnwrap(out["batch_ceiling_tokens_per_s"] as? Double)
        XCTAssertEqual(batchCeiling, peak / Double(30 * perLayer + 576 * 49152), accuracy: batchCeiling * 1e-9)
        let share = try XCTUnwrap(decode[1]["of_batch_ceiling"] as? Double)
        XCTAssertEqual(share, (decode[1]["tokens_per_s"] as? Double ?? 0) / batchCeiling, accuracy: share * 1e-9)
    }

    /// --phases: every decode row carries the pass's phases, each timed, and together they are
    /// within the step they were taken from (with 2 steps the median step is the slower one, so
    /// the phases' mean cannot exceed it; they cover nearly all of a step, so not under half of
    /// the fastest). Without the flag there are none.
    func testPhasesAccountForTheDecodeStep() throws {
        let out = try EngineCommand.json(["bench", "default", "-o", "json", "--phases"] + tiny)
        let decode = try XCTUnwrap(out["decode"] as? [[String: Any]])
        XCTAssertEqual(decode.count, 2)
        for d in decode {
            let batch = try XCTUnwrap(d["batch"] as? Int)
            let phases = try XCTUnwrap(d["phases"] as? [[String: Any]], "batch \(batch): \(d)")
            let names = phases.compactMap { $0["phase"] as? String }
            for p in ["attentionNorm", "qkv", "attention", "outputProduct", "ffnNorm", "gateUpSwiGLU", "down", "logits"] {
                XCTAssertTrue(names.contains(p), "batch \(batch) lacks \(p): \(names)")
            }
            XCTAssertFalse(names.contains("qkNorm"), "SmolLM2 has no q/k norms: \(names)")
            let ms = phases.compactMap { $0["milliseconds"] as? Double }
            XCTAssertEqual(ms.count, phases.count)
            XCTAssertTrue(ms.allSatisfy { $0 > 0 }, "\(ms)")
            let sum = ms.reduce(0, +)
            let median = 1000 * Double(batch) / (d["tokens_per_s"] as? Double ?? 1)
            let fastest = 1000 * Double(batch) / (d["fastest_tokens_per_s"] as? Double ?? 1)
            XCTAssertLessThanOrEqual(sum, median * 1.001, "batch \(batch): phases \(sum) ms, step \(median) ms")
            XCTAssertGreaterThan(sum, fastest / 2, "batch \(batch): phases \(sum) ms, fastest step \(fastest) ms")
        }
        let plain = try EngineCommand.json(["bench", "default", "-o", "json"] + tiny)
        let plainDecode = try XCTUnwrap(plain["decode"] as? [[String: Any]])
        XCTAssertTrue(plainDecode.allSatisfy { $0["phases"] == nil }, "\(plainDecode)")

        let table = try EngineCommand.run(["bench", "default", "--phases"] + tiny)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("\n  gate/up products + SwiGLU "), table.stdout)
        XCTAssertTrue(table.stdout.contains("batch 2: "), table.stdout)
    }

    func testBadInputExitsNonZeroWithAMessage() throws {
        let cases: [(args: [String], message: String)] = [
            (["bench", "/nonexistent/model.gguf"], "no model at /nonexistent/model.gguf"),
            (["bench", "default", "--batch-sizes", "1,x"], "--batch-sizes must be positive numbers"),
            (["bench", "default", "--prefill", "0"], "--prefill must be at least 1"),
            (["bench", "default", "--kv-cache-dtype", "fp8"], "fp8 KV caches are not implemented"),
        ]
        for c in cases {
            let r = try EngineCommand.run(c.args)
            XCTAssertNotEqual(r.status, 0, c.args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(c.message), "\(c.args): \(r.stderr)")
        }
    }
}
