/// Hugging Face Llama/Qwen2/Qwen3 weight names → the GGUF names `ModelWeights` uses. The layouts
/// need no reshuffling: an HF linear weight [out, in] in row-major order is exactly ggml's
/// [in, out] (rows of `in` values), so only the name and the order of the dimensions change.
enum HuggingFaceTensorNames {
    private static let layerSuffixes: [String: String] = [
        "self_attn.q_proj.weight": "attn_q.weight",
        "self_attn.q_proj.bias": "attn_q.bias",
        "self_attn.k_proj.weight": "attn_k.weight",
        "self_attn.k_proj.bias": "attn_k.bias",
        "self_attn.v_proj.weight": "attn_v.weight",
        "self_attn.v_proj.bias": "attn_v.bias",
        "self_attn.o_proj.weight": "attn_output.weight",
        "self_attn.q_norm.weight": "attn_q_norm.weight",
        "self_attn.k_norm.weight": "attn_k_norm.weight",
        "input_layernorm.weight": "attn_norm.weight",
        "post_attention_layernorm.weight": "ffn_norm.weight",
        "mlp.gate_proj.weight": "ffn_gate.weight",
        "mlp.up_proj.weight": "ffn_up.weight",
        "mlp.down_proj.weight": "ffn_down.weight",
    ]

    /// The GGUF name of an HF tensor, nil for tensors the engine does not use (rotary caches, ...).
    static func ggufName(_ hf: String) -> String? {
        switch hf {
        case "model.embed_tokens.weight": return "token_embd.weight"
        case "model.norm.weight": return "output_norm.weight"
        case "lm_head.weight": return "output.weight"
        default: break
        }
        let prefix = "model.layers."
        guard hf.hasPrefix(prefix) else { return nil }
        let rest = hf.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0,
              let suffix = layerSuffixes[String(rest[rest.index(after: dot)...])] else { return nil }
        return "blk.\(layer).\(suffix)"
    }

    /// Every HF tensor a checkpoint of `config` must have, with its HF shape ([out, in]).
    static func required(_ c: ModelConfig) -> [(name: String, shape: [Int])] {
        let q = c.headCount * c.headDim, kv = c.kvHeadCount * c.headDim
        var out: [(String, [Int])] = [("model.embed_tokens.weight", [c.vocabSize, c.hiddenSize]),
                                      ("model.norm.weight", [c.hiddenSize])]
        if !c.tiedEmbeddings { out.append(("lm_head.weight", [c.vocabSize, c.hiddenSize])) }
        for i in 0..<c.layerCount {
            let p = "model.layers.\(i)."
            out += [
                (p + "self_attn.q_proj.weight", [q, c.hiddenSize]),
                (p + "self_attn.k_proj.weight", [kv, c.hiddenSize]),
                (p + "self_attn.v_proj.weight", [kv, c.hiddenSize]),
                (p + "self_attn.o_proj.weight", [c.hiddenSize, q]),
                (p + "input_layernorm.weight", [c.hiddenSize]),
                (p + "post_attention_layernorm.weight", [c.hiddenSize]),
                (p + "mlp.gate_proj.weight", [c.intermediateSize, c.hiddenSize]),
                (p + "mlp.up_proj.weight", [c.intermediateSize, c.hiddenSize]),
                (p + "mlp.down_proj.weight", [c.hiddenSize, c.intermediateSize]),
            ]
            if c.attentionBias {
                out += [(p + "self_attn.q_proj.bias", [q]), (p + "self_attn.k_proj.bias", [kv]), (p + "self_attn.v_proj.bias", [kv])]
            }
            if c.qkNorm {
                out += [(p + "self_attn.q_norm.weight", [c.headDim]), (p + "self_attn.k_norm.weight", [c.headDim])]
            }
        }
        return out
    }
}
