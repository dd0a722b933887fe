import Foundation
import XCTest
@testable import Engine

final class HuggingFaceCheckpointTests: XCTestCase {
    /// A sharded Qwen2 checkpoint with tied embeddings and all three dtypes.
    func testShardedQwen2WithBiasesTiedEmbeddingsAndThreeDTypes() throws {
        let ck = try TinyCheckpoint(architecture: "Qwen2ForCausalLM", tied: true)
        defer { ck.remove() }
        try ck.writeConfig()
        let all = try ck.tensorShapes()
        let dtype: (String) -> TinyCheckpoint.DType = { name in
            name.contains("embed") ? .bf16 : name.hasSuffix("norm.weight") || name.hasSuffix("inv_freq") ? .f32 : .f16
        }
        let first = all.filter { $0.0.hasPrefix("model.layers.0.") || $0.0 == "model.embed_tokens.weight" }
        let second = all.filter { s in !first.contains { $0.0 == s.0 } }
        try ck.writeSafetensors("model-00001-of-00002.safetensors", tensors: first, dtype: dtype)
        try ck.writeSafetensors("model-00002-of-00002.safetensors", tensors: second, dtype: dtype)
        var map: [String: String] = [:]
        for (n, _) in first { map[n] = "model-00001-of-00002.safetensors" }
        for (n, _) in second { map[n] = "model-00002-of-00002.safetensors" }
        try ck.writeIndex(map)

        let w = try HuggingFaceCheckpoint(directory: ck.directory.path)
        XCTAssertEqual(w.config, ModelConfig(
            architecture: .qwen2, vocabSize: 32, hiddenSize: 8, intermediateSize: 16, layerCount: 2, headCount: 2,
            kvHeadCount: 1, headDim: 4, ropeTheta: 1_000_000, ropeLayout: .halfSplit, rmsNormEps: 1e-6,
            maxPositions: 128, tiedEmbeddings: true, attentionBias: true, qkNorm: false))
        XCTAssertEqual(w.bosTokenID, 1)
        XCTAssertEqual(w.eosTokenIDs, [2, 3])

        let embed = try w.require("token_embd.weight", dimensions: [8, 32])
        XCTAssertEqual(embed.type, .bf16)
        // Element 9 (row 1, column 1) is 9.0: bf16 0x4110.
        XCTAssertEqual(embed.data.loadUnaligned(fromByteOffset: 18, as: UInt16.self), 0x4110)
        let q = try w.require("blk.1.attn_q.weight", dimensions: [8, 8])
        XCTAssertEqual(q.type, .f16)
        XCTAssertEqual(Float(Float16(bitPattern: q.data.loadUnaligned(fromByteOffset: 2 * 63, as: UInt16.self))), 63)
        XCTAssertEqual(try w.require("blk.0.attn_k.weight", dimensions: [8, 4]).type, .f16)
        XCTAssertEqual(try w.require("blk.0.attn_q.bias", dimensions: [8]).type, .f16)
        XCTAssertEqual(try w.require("blk.1.attn_v.bias", dimensions: [4]).elementCount, 4)
        XCTAssertEqual(try w.require("blk.1.ffn_down.weight", dimensions: [16, 8]).type, .f16)
        let norm = try w.require("output_norm.weight", dimensions: [8])
        XCTAssertEqual(norm.type, .f32)
        XCTAssertEqual(norm.data.loadUnaligned(fromByteOffset: 4 * 7, as: Float.self), 7)
        XCTAssertNil(w.tensor("output.weight"), "tied: the output projection is the embedding")
        XCTAssertNil(w.tensor("blk.0.attn_q_norm.weight"))
    }

    func testSingleFileLlamaWithItsOwnOutputAndRopeParameters() throws {
        let ck = try TinyCheckpoint(architecture: "LlamaForCausalLM", tied: false, extra: [
            "rope_parameters": ["rope_theta": 500_000.0, "rope_type": "default"], "eos_token_id": 2,
        ])
        defer { ck.remove() }
        var config = ck
        config.config["rope_theta"] = nil
        try config.writeConfig()
        try ck.writeSafetensors("model.safetensors", tensors: try config.tensorShapes(), dtype: { _ in .f32 })
        let w = try HuggingFaceCheckpoint(directory: ck.directory.path)
        XCTAssertEqual(w.config.architecture, .llama)
        XCTAssertEqual(w.config.ropeTheta, 500_000)
        XCTAssertFalse(w.config.attentionBias)
        XCTAssertEqual(w.eosTokenIDs, [2])
        let out = try w.require("output.weight", dimensions: [8, 32])
        XCTAssertEqual(out.data.loadUnaligned(fromByteOffset: 4 * 255, as: Float.self), 255)
        XCTAssertNil(w.tensor("blk.0.attn_q.bias"))
    }

    func testQwen3HeadDimAndQKNorm() throws {
        let ck = try TinyCheckpoint(architecture: "Qwen3ForCausalLM", tied: true, extra: ["head_dim": 8])
        defer { ck.remove() }
        try ck.writeConfig()
        try ck.writeSafetensors("model.safetensors", tensors: try ck.tensorShapes(), dtype: { _ in .bf16 })
        let w = try HuggingFaceCheckpoint(directory: ck.directory.path)
        XCTAssertEqual(w.config.headDim, 8)
        XCTAssertTrue(w.config.qkNorm)
        XCTAssertFalse(w.config.attentionBias)
        XCTAssertEqual(try w.require("blk.0.attn_q.weight", dimensions: [8, 16]).type, .bf16)
        XCTAssertEqual(try w.require("blk.0.attn_output.weight", dimensions: [16, 8]).type, .bf16)
        XCTAssertEqual(try w.require("blk.1.attn_k_norm.weight", dimensions: [8]).type, .bf16)
    }

    // MARK: errors

    private func assertLoadFails(_ ck: TinyCheckpoint, file: String, contains text: String, line: UInt = #line) {
        XCTAssertThrowsError(try HuggingFaceCheckpoint(directory: ck.directory.path), line: line) { error in
            guard let e = error as? ModelLoadError else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(e.path, ck.path(file), "\(e)", line: line)
            XCTAssertTrue(e.message.contains(text), "\(e)", line: line)
        }
    }

    func testConfigErrorsNameConfigJSON() throws {
        let cases: [([String: Any], String)] = [
            (["architectures": ["MistralForCausalLM"]], "architecture MistralForCausalLM is not supported"),
            (["rope_scaling": ["rope_type": "longrope", "factor": 8.0]], "RoPE scaling type longrope is not supported"),
            (["rope_parameters": ["rope_theta": 1e6, "rope_type": "yarn"]], "rope_scaling yarn needs a positive factor"),
            (["hidden_act": "gelu"], "hidden_act gelu is not supported"),
            (["num_key_value_heads": 3], "is not a multiple of num_key_value_heads 3"),
            (["hidden_size": "8"], "hidden_size must be a positive integer"),
            (["use_sliding_window": true], "use_sliding_window is not supported"),
        ]
        for (extra, message) in cases {
            let ck = try TinyCheckpoint(extra: extra)
            defer { ck.remove() }
            try ck.writeConfig()
            assertLoadFails(ck, file: "config.json", contains: message)
        }
        let ck = try TinyCheckpoint()
        defer { ck.remove() }
        try Data("{\"architectures\": [".utf8).write(to: ck.directory.appendingPathComponent("config.json"))
        assertLoadFails(ck, file: "config.json", contains: "not valid JSON")
    }

    func testMissingTensorNamesTheFile() throws {
        let ck = try TinyCheckpoint()
        defer { ck.remove() }
        try ck.writeConfig()
        try ck.writeSafetensors("model.safetensors",
                                tensors: try ck.tensorShapes().filter { $0.0 != "model.layers.1.mlp.up_proj.weight" },
                                dtype: { _ in .f16 })
        assertLoadFails(ck, file: "model.safetensors", contains: "tensor model.layers.1.mlp.up_proj.weight is missing")

        // Untied: lm_head is required.
        let untied = try TinyCheckpoint(tied: false)
        defer { untied.remove() }
        try untied.writeConfig()
        try untied.writeSafetensors("model.safetensors", tensors: try ck.tensorShapes(), dtype: { _ in .f16 })
        assertLoadFails(untied, file: "model.safetensors", contains: "tensor lm_head.weight is missing")
    }

    func testIndexNamingAShardWithoutTheTensor() throws {
        let ck = try TinyCheckpoint()
        defer { ck.remove() }
        try ck.writeConfig()
        let all = try ck.tensorShapes()
        try ck.writeSafetensors("a.safetensors", tensors: all.filter { $0.0 != "model.norm.weight" }, dtype: { _ in .f16 })
        var map: [String: String] = [:]
        for (n, _) in all { map[n] = "a.safetensors" }
        try ck.writeIndex(map)
        assertLoadFails(ck, file: "a.safetensors", contains: "tensor model.norm.weight is missing (model.safetensors.index.json puts it here)")

        map["model.norm.weight"] = nil
        try ck.writeIndex(map)
        assertLoadFails(ck, file: "model.safetensors.index.json", contains: "tensor model.norm.weight is missing")

        map["model.norm.weight"] = "../elsewhere.safetensors"
        try ck.writeIndex(map)
        assertLoadFails(ck, file: "model.safetensors.index.json", contains: "which is not a file in this directory")
    }

    func testUnsupportedDTypeAndWrongShape() throws {
        let ck = try TinyCheckpoint()
        defer { ck.remove() }
        try ck.writeConfig()
        try ck.writeSafetensors("model.safetensors", tensors: try ck.tensorShapes(),
                                dtype: { $0 == "model.layers.0.mlp.gate_proj.weight" ? .i8 : .bf16 })
        assertLoadFails(ck, file: "model.safetensors", contains: "tensor model.layers.0.mlp.gate_proj.weight is I8, which kvdeck does not load")

        let shapes = try ck.tensorShapes().map { $0.0 == "model.layers.1.self_attn.k_proj.weight" ? ($0.0, [8, 4]) : $0 }
        try ck.writeSafetensors("model.safetensors", tensors: shapes, dtype: { _ in .bf16 })
        assertLoadFails(ck, file: "model.safetensors", contains: "tensor model.layers.1.self_attn.k_proj.weight has shape [8, 4], config.json implies [4, 8]")
    }

    func testCorruptHeaderAndTruncatedData() throws {
        let ck = try TinyCheckpoint()
        defer { ck.remove() }
        try ck.writeConfig()
        let good = try ck.writeSafetensors("model.safetensors", tensors: try ck.tensorShapes(), dtype: { _ in .f32 })
        let url = ck.directory.appendingPathComponent("model.safetensors")

        try good.prefix(good.count - 10).write(to: url)
        assertLoadFails(ck, file: "model.safetensors", contains: "truncated: tensor")

        var corrupt = good
        corrupt[8] = UInt8(ascii: "[")  // the header's opening brace
        try corrupt.write(to: url)
        assertLoadFails(ck, file: "model.safetensors", contains: "header JSON is corrupt")

        var huge = good
        huge.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        try huge.write(to: url)
        assertLoadFails(ck, file: "model.safetensors", contains: "over the format's 100 MB limit")

        try good.prefix(100).write(to: url)
        assertLoadFails(ck, file: "model.safetensors", contains: "truncated: the header needs")

        try ck.writeSafetensors("model.safetensors", tensors: try ck.tensorShapes(), dtype: { _ in .f32 }) { header in
            var e = header["model.norm.weight"] as! [String: Any]
            e["shape"] = [9]
            header["model.norm.weight"] = e
        }
        assertLoadFails(ck, file: "model.safetensors", contains: "tensor model.norm.weight: shape [9] of F32 does not fill its 32 bytes")

        try FileManager.default.removeItem(at: url)
        XCTAssertThrowsError(try HuggingFaceCheckpoint(directory: ck.directory.path)) { error in
            XCTAssertEqual(error as? ModelLoadError,
                           ModelLoadError(path: ck.directory.path, "neither model.safetensors nor model.safetensors.index.json is here"))
        }
    }
}
