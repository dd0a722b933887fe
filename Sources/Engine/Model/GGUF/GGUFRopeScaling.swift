extension GGUFModel {
    /// llama.cpp's RoPE scaling: `NAME.rope.scaling.type` (none, linear, yarn) with `.factor`,
    /// `.original_context_length`, `.attn_factor`, `.yarn_beta_fast`/`.yarn_beta_slow`; and the
    /// `rope_freqs.weight` tensor into which its converter bakes Llama 3 scaling (one divisor per
    /// frequency). YaRN is computed as transformers does (the same ramp and default factor).
    static func ropeScaling(_ g: GGUFFile, name: String, headDim: Int) throws(ModelLoadError) -> RopeScaling {
        func optionalDouble(_ key: String) throws(ModelLoadError) -> Double? {
            g.metadata["\(name).\(key)"] == nil ? nil : try g.double("\(name).\(key)")
        }
        if let t = g.tensor(named: "rope_freqs.weight") {
            guard t.type == .f32, t.dimensions == [headDim / 2] else {
                throw ModelLoadError(path: g.path, "rope_freqs.weight must be \(headDim / 2) float32 values, not \(t.type.name) \(t.dimensions)")
            }
            let divisors = Array(g.data(of: t).bindMemory(to: Float.self))
            guard divisors.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ModelLoadError(path: g.path, "rope_freqs.weight holds a value that is not a positive number")
            }
            return .frequencyDivisors(divisors)
        }
        let type = g.metadata["\(name).rope.scaling.type"]?.stringValue ?? "none"
        func factor() throws(ModelLoadError) -> Double {
            guard let f = try optionalDouble("rope.scaling.factor"), f > 0 else {
                throw ModelLoadError(path: g.path, "RoPE scaling \"\(type)\" needs a positive \(name).rope.scaling.factor")
            }
            return f
        }
        switch type {
        case "none":
            return .none
        case "linear":
            return .linear(factor: try factor())
        case "yarn":
            guard let original = try optionalDouble("rope.scaling.original_context_length"), original >= 1 else {
                throw ModelLoadError(path: g.path, "RoPE scaling \"yarn\" needs \(name).rope.scaling.original_context_length")
            }
            return .yarn(factor: try factor(), originalContext: Int(original),
                         betaFast: try optionalDouble("rope.scaling.yarn_beta_fast") ?? 32,
                         betaSlow: try optionalDouble("rope.scaling.yarn_beta_slow") ?? 1,
                         attentionFactor: try optionalDouble("rope.scaling.attn_factor"))
        default:
            throw ModelLoadError(path: g.path, "RoPE scaling \"\(type)\" is not supported (linear, yarn and rope_freqs.weight are)")
        }
    }
}
