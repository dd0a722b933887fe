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
