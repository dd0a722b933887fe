import Foundation

/// A Hugging Face `config.json` read into `ModelConfig`, plus the token ids it names.
/// Supported: LlamaForCausalLM, Qwen2ForCausalLM (q/k/v bias), Qwen3ForCausalLM (q/k RMSNorm,
/// explicit `head_dim`). RoPE comes from `rope_theta` (+ `rope_scaling`) or from the newer
/// `rope_parameters`, with linear, llama3 or yarn scaling (RopeScaling); other scaling types are
/// refused by name.
struct HuggingFaceConfig {
    var model: ModelConfig
    var bosTokenID: Int?
    /// `eos_token_id`, an int or a list.
    var eosTokenIDs: [Int]

    init(path: String) throws(ModelLoadError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelLoadError(path: path, "cannot read: \(error.localizedDescription)")
        }
        try self.init(json: JSONObject(data, path: path), path: path)
    }

    init(json j: [String: Any], path: String) throws(ModelLoadError) {
        func fail(_ m: String) -> ModelLoadError { ModelLoadError(path: path, m) }
        func int(_ key: String) throws(ModelLoadError) -> Int {
            guard let v = j[key] else { throw fail("\(key) is missing") }
            guard let i = v as? Int, i > 0 else { throw fail("\(key) must be a positive integer, not \(v)") }
            return i
        }
        func optionalInt(_ key: String) throws(ModelLoadError) -> Int? {
            guard let v = j[key], !(v is NSNull) else { return nil }
            guard let i = v as? Int, i > 0 else { throw fail("\(key) must be a positive integer, not \(v)") }
            return i
        }
        func double(_ v: Any?, _ key: String) throws(ModelLoadError) -> Double? {
            guard let v, !(v is NSNull) else { return nil }
            guard let d = v as? Double ?? (v as? Int).map(Double.init) else { throw fail("\(key) must be a number, not \(v)") }
            return d
        }

        let names = j["architectures"] as? [String] ?? []
        let arch: ModelConfig.Architecture
        switch names.first {
        case "LlamaForCausalLM": arch = .llama
        case "Qwen2ForCausalLM": arch = .qwen2
        case "Qwen3ForCausalLM": arch = .qwen3
        default:
            throw fail("architecture \(names.first ?? "(none given)") is not supported (LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM are)")
        }

        let hidden = try int("hidden_size")
        let heads = try int("num_attention_heads")
        let kvHeads = try optionalInt("num_key_value_heads") ?? heads
        guard heads % kvHeads == 0 else { throw fail("num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kvHeads)") }
        let headDim: Int
        if let d = try optionalInt("head_dim") {
            headDim = d
        } else {
            guard hidden % heads == 0 else { throw fail("hidden_size \(hidden) is not a multiple of num_attention_heads \(heads) and head_dim is not given") }
            headDim = hidden / heads
        }

        if let act = j["hidden_act"] as? String, act != "silu" {
            throw fail("hidden_act \(act) is not supported (silu is)")
        }
        if j["mlp_bias"] as? Bool == true { throw fail("mlp_bias is not supported") }
        if arch == .qwen2, j["use_sliding_window"] as? Bool == true {
            throw fail("use_sliding_window is not supported: kvdeck attends over the whole context")
        }

        // RoPE: transformers ≥ 4.5x writes `rope_parameters` {rope_theta, rope_type}; older files
        // a top-level `rope_theta` and an optional `rope_scaling` {type | rope_type, factor, ...}.
        var theta = try double(j["rope_theta"], "rope_theta")
        var scaling: [String: Any]?
        if let p = j["rope_parameters"] as? [String: Any] {
            theta = try double(p["rope_theta"], "rope_parameters.rope_theta") ?? theta
            scaling = p
        }
        if let s = j["rope_scaling"] as? [String: Any] { scaling = s }
        var ropeScaling = RopeScaling.none
        if let s = scaling {
            let type = s["rope_type"] as? String ?? s["type"] as? String ?? "default"
            func number(_ key: String) throws(ModelLoadError) -> Double? { try double(s[key], "rope_scaling.\(key)") }
            func factor() throws(ModelLoadError) -> Double {
                guard let f = try number("factor"), f > 0 else { throw fail("rope_scaling \(type) needs a positive factor") }
                return f
            }
            func originalContext() throws(ModelLoadError) -> Int {
                let v = try number("original_max_position_embeddings") ?? (j["max_position_embeddings"] as? Int).map(Double.init)
                guard let v, v >= 1 else { throw fail("rope_scaling \(type) needs original_max_position_embeddings") }
                return Int(v)
            }
            switch type {
            case "default":
                break
            case "linear":
                ropeScaling = .linear(factor: try factor())
            case "llama3":
                let low = try number("low_freq_factor") ?? 1, high = try number("high_freq_factor") ?? 4
                guard high > low else { throw fail("rope_scaling llama3: high_freq_factor \(high) must exceed low_freq_factor \(low)") }
                ropeScaling = .llama3(factor: try factor(), lowFrequencyFactor: low, highFrequencyFactor: high,
                                      originalContext: try originalContext())
            case "yarn":
                let mscale = try number("mscale"), mscaleAllDim = try number("mscale_all_dim")
                if mscale != nil || mscaleAllDim != nil {
                    throw fail("rope_scaling yarn with mscale/mscale_all_dim (DeepSeek's variant) is not supported")
                }
                ropeScaling = .yarn(factor: try factor(), originalContext: try originalContext(),
                                    betaFast: try number("beta_fast") ?? 32, betaSlow: try number("beta_slow") ?? 1,
                                    attentionFactor: try number("attention_factor"))
            default:
                throw fail("RoPE scaling type \(type) is not supported (linear, llama3 and yarn are); the model needs it for its long context")
            }
        }

        let defaults: (eps: Double, positions: Int) = arch == .llama ? (1e-6, 2048) : (1e-6, 32768)
        model = ModelConfig(
            architecture: arch,
            vocabSize: try int("vocab_size"),
            hiddenSize: hidden,
            intermediateSize: try int("intermediate_size"),
            layerCount: try int("num_hidden_layers"),
            headCount: heads,
            kvHeadCount: kvHeads,
            headDim: headDim,
            ropeTheta: theta ?? 10000,
            ropeLayout: .halfSplit,
            rmsNormEps: try double(j["rms_norm_eps"], "rms_norm_eps") ?? defaults.eps,
            maxPositions: try optionalInt("max_position_embeddings") ?? defaults.positions,
            tiedEmbeddings: j["tie_word_embeddings"] as? Bool ?? false,
            // Qwen2's attention always has q/k/v biases; Llama and Qwen3 only with attention_bias.
            attentionBias: arch == .qwen2 || j["attention_bias"] as? Bool == true,
            qkNorm: arch == .qwen3,
            ropeScaling: ropeScaling)
        bosTokenID = j["bos_token_id"] as? Int
        eosTokenIDs = Self.ids(j["eos_token_id"])
    }

    /// A token id field that may be an int or a list of ints.
    static func ids(_ v: Any?) -> [Int] {
        if let i = v as? Int { return [i] }
        return v as? [Int] ?? []
    }
}
