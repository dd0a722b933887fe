/// A GGUF file as a model: the `ModelConfig` from its metadata and its tensors under their GGUF
/// names (which are the names `ModelWeights` uses). Llama, Qwen2 and Qwen3 GGUFs.
public final class GGUFModel: ModelWeights {
    public let file: GGUFFile
    public let config: ModelConfig

    public var source: String { file.path }

    public convenience init(path: String) throws(ModelLoadError) {
        try self.init(file: GGUFFile(path: path))
    }

    public init(file: GGUFFile) throws(ModelLoadError) {
        self.file = file
        self.config = try GGUFModel.readConfig(file)
        // Refuse unusable tensor types now, naming the tensor, rather than at the first forward.
        for t in file.tensors where !t.type.isSupported {
            throw ModelLoadError(path: file.path, "tensor \(t.name) is \(t.type.name), which kvdeck does not compute with (F32, F16, BF16, Q8_0, Q4_0, Q4_1 are supported); use a GGUF quantised to one of those")
        }
    }

    public func tensor(_ name: String) -> WeightTensor? {
        guard let info = file.tensor(named: name) else { return nil }
        return WeightTensor(name: name, type: info.type, dimensions: info.dimensions, data: file.data(of: info), owner: file)
    }

    /// llama.cpp's metadata keys, prefixed by the architecture (`llama.block_count`, ...).
    static func readConfig(_ g: GGUFFile) throws(ModelLoadError) -> ModelConfig {
        let name = try g.string("general.architecture")
        guard let arch = ModelConfig.Architecture(rawValue: name) else {
            throw ModelLoadError(path: g.path, "architecture \"\(name)\" is not supported (llama, qwen2 and qwen3 are)")
        }
        func int(_ key: String) throws(ModelLoadError) -> Int { try g.int("\(name).\(key)") }
        func optionalInt(_ key: String) throws(ModelLoadError) -> Int? {
            g.metadata["\(name).\(key)"] == nil ? nil : try g.int("\(name).\(key)")
        }
        func optionalDouble(_ key: String) throws(ModelLoadError) -> Double? {
            g.metadata["\(name).\(key)"] == nil ? nil : try g.double("\(name).\(key)")
        }

        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        let kvHeads = try optionalInt("attention.head_count_kv") ?? heads
        guard hidden > 0, heads > 0, kvHeads > 0, heads % kvHeads == 0 else {
            throw ModelLoadError(path: g.path, "\(name).attention.head_count \(heads) is not a multiple of head_count_kv \(kvHeads)")
        }
        let headDim = try optionalInt("attention.key_length") ?? hidden / heads
        if let v = try optionalInt("attention.value_length"), v != headDim {
            throw ModelLoadError(path: g.path, "key length \(headDim) and value length \(v) differ, which kvdeck does not support")
        }
        let ropeScaling = try Self.ropeScaling(g, name: name, headDim: headDim)
        guard let embed = g.tensor(named: "token_embd.weight"), embed.dimensions.count == 2 else {
            throw ModelLoadError(path: g.path, "tensor token_embd.weight is missing or not 2-dimensional")
        }
        let vocab = try optionalInt("vocab_size") ?? embed.dimensions[1]
        let eps = try optionalDouble("attention.layer_norm_rms_epsilon") ?? 1e-6
        return ModelConfig(
            architecture: arch,
            vocabSize: vocab,
            hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"),
            layerCount: try int("block_count"),
            headCount: heads,
            kvHeadCount: kvHeads,
            headDim: headDim,
            ropeTheta: try optionalDouble("rope.freq_base") ?? 10000,
            // llama.cpp's converter permutes Llama q/k rows for adjacent-pair RoPE; Qwen GGUFs
            // keep HF's layout and run llama.cpp's "neox" (half-split) RoPE.
            ropeLayout: arch == .llama ? .adjacentPairs : .halfSplit,
            rmsNormEps: eps,
            maxPositions: try optionalInt("context_length") ?? 2048,
            tiedEmbeddings: g.tensor(named: "output.weight") == nil,
            attentionBias: g.tensor(named: "blk.0.attn_q.bias") != nil,
            qkNorm: g.tensor(named: "blk.0.attn_q_norm.weight") != nil,
            ropeScaling: ropeScaling)
    }
}
