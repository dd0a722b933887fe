import Foundation
@testable import Engine

/// Writes small Hugging Face checkpoints for the loader tests: config.json and safetensors files
/// whose tensor values are their own element index (so a test can check it reads the right bytes).
struct TinyCheckpoint {
    enum DType: String { case f32 = "F32", f16 = "F16", bf16 = "BF16", i8 = "I8" }

    let directory: URL
    var config: [String: Any]

    init(architecture: String = "Qwen2ForCausalLM", tied: Bool = true, extra: [String: Any] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        config = [
            "architectures": [architecture], "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 2,
            "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 32, "rms_norm_eps": 1e-6,
            "rope_theta": 1_000_000.0, "max_position_embeddings": 128, "tie_word_embeddings": tied,
            "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": [2, 3],
        ]
        for (k, v) in extra { config[k] = v }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func writeConfig() throws {
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
    }

    /// The tensors a checkpoint of this config has (HF names and shapes), via the loader's own list
    /// plus an extra unused tensor that the loader must ignore.
    func tensorShapes(includeLMHead: Bool = false) throws -> [(String, [Int])] {
        let c = try HuggingFaceConfig(json: config, path: "config.json").model
        var list = HuggingFaceTensorNames.required(c)
        if includeLMHead, c.tiedEmbeddings { list.append(("lm_head.weight", [c.vocabSize, c.hiddenSize])) }
        list.append(("model.layers.0.self_attn.rotary_emb.inv_freq", [2]))
        return list
    }

    /// Writes one safetensors file; `dtype` picks each tensor's type.
    @discardableResult
    func writeSafetensors(_ name: String, tensors: [(String, [Int])], dtype: (String) -> DType,
                          mutateHeader: ((inout [String: Any]) -> Void)? = nil) throws -> Data {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var body = Data()
        for (tensor, shape) in tensors {
            let t = dtype(tensor)
            let bytes = Self.encode(count: shape.reduce(1, *), as: t)
            header[tensor] = ["dtype": t.rawValue, "shape": shape, "data_offsets": [body.count, body.count + bytes.count]]
            body.append(bytes)
        }
        mutateHeader?(&header)
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }  // the format allows space padding
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: directory.appendingPathComponent(name))
        return file
    }

    func writeIndex(_ map: [String: String]) throws {
        let index: [String: Any] = ["metadata": ["total_size": 0], "weight_map": map]
        try JSONSerialization.data(withJSONObject: index).write(to: directory.appendingPathComponent("model.safetensors.index.json"))
    }

    /// Values 0, 1, 2, ... in the dtype's encoding, little-endian.
    static func encode(count: Int, as t: DType) -> Data {
        var d = Data()
        for i in 0..<count {
            let f = Float(i)
            switch t {
            case .f32: withUnsafeBytes(of: f.bitPattern.littleEndian) { d.append(contentsOf: $0) }
            case .f16: withUnsafeBytes(of: Float16(f).bitPattern.littleEndian) { d.append(contentsOf: $0) }
            case .bf16: withUnsafeBytes(of: UInt16(f.bitPattern >> 16).littleEndian) { d.append(contentsOf: $0) }
            case .i8: d.append(UInt8(truncatingIfNeeded: i))
            }
        }
        return d
    }
}
