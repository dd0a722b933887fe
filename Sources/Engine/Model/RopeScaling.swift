import Foundation

/// How a model stretches RoPE past the context it was trained on (transformers' `rope_type`,
/// GGUF's `rope.scaling.*` and `rope_freqs.weight`), and the per-pair inverse frequencies and
/// cos/sin factor that result. The arithmetic follows transformers' modeling_rope_utils in
/// float32, as a checkpoint's reference logits were computed.
public enum RopeScaling: Sendable, Equatable {
    /// Plain RoPE: inverse frequency theta^(-2j/d).
    case none
    /// Positions divided by `factor` (every frequency divided by it).
    case linear(factor: Double)
    /// Llama 3.1: low frequencies divided by `factor`, high ones kept, a smooth blend between
    /// wavelengths originalContext / lowFrequencyFactor and originalContext / highFrequencyFactor.
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Int)
    /// YaRN: frequencies interpolated by `factor` below a ramp over the dimensions whose
    /// rotations over originalContext lie between betaSlow and betaFast, extrapolated above it;
    /// cos and sin scaled by attentionFactor (default 0.1 ln(factor) + 1).
    case yarn(factor: Double, originalContext: Int, betaFast: Double, betaSlow: Double, attentionFactor: Double?)
    /// llama.cpp's converter bakes Llama 3 scaling into a `rope_freqs.weight` tensor: one divisor
    /// per frequency.
    case frequencyDivisors([Float])

    /// theta^(-2j/d) for j < d/2 after scaling.
    public func inverseFrequencies(headDim d: Int, theta: Double) -> [Float] {
        let half = d / 2
        let base = (0..<half).map { j in Float(1) / powf(Float(theta), Float(2 * j) / Float(d)) }
        switch self {
        case .none:
            return base
        case .linear(let factor):
            return base.map { $0 / Float(factor) }
        case .llama3(let factor, let low, let high, let old):
            let f = Float(factor), lowWave = Float(Double(old) / low), highWave = Float(Double(old) / high)
            return base.map { inv in
                let wavelen = Float(2 * Double.pi) / inv
                let scaled = wavelen > lowWave ? inv / f : inv
                guard !(wavelen < highWave) && !(wavelen > lowWave) else { return scaled }
                let smooth = (Float(old) / wavelen - Float(low)) / Float(high - low)
                return (1 - smooth) * scaled / f + smooth * scaled
            }
        case .yarn(let factor, let old, let betaFast, let betaSlow, _):
            func correctionDim(_ rotations: Double) -> Double {
                Double(d) * log(Double(old) / (rotations * 2 * Double.pi)) / (2 * log(theta))
            }
            let low = max(floor(correctionDim(betaFast)), 0)
            var high = min(ceil(correctionDim(betaSlow)), Double(d - 1))
            if low == high { high += 0.001 }
            return (0..<half).map { j in
                let pos = powf(Float(theta), Float(2 * j) / Float(d))
                let ramp = min(max((Float(j) - Float(low)) / Float(high - low), 0), 1)
                let extrapolation = 1 - ramp
                return Float(1) / (Float(factor) * pos) * (1 - extrapolation) + Float(1) / pos * extrapolation
            }
        case .frequencyDivisors(let divisors):
            return zip(base, divisors).map { $0 / $1 }
        }
    }

    /// The factor cos and sin are multiplied by (YaRN's attention scaling; 1 otherwise).
    public var attentionFactor: Float {
        guard case .yarn(let factor, _, _, _, let given) = self else { return 1 }
        if let given { return Float(given) }
        return factor <= 1 ? 1 : Float(0.1 * log(factor) + 1)
    }
}
