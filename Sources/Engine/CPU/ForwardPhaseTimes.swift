import Foundation

/// Wall time of each phase of `CPUModelRunner`'s forward passes, summed over the passes it was
/// set for: the benchmark's `--phases` (Benchmarks/EngineDecode). A runner without one
/// (`phaseTimes == nil`, the default) pays a nil check per phase. Every phase is a pool job or a
/// few, so the times are what the caller waited, joins and all: what a change to one kernel
/// moves, told apart from the others on a machine too noisy for whole-step comparisons.
public final class ForwardPhaseTimes: @unchecked Sendable {
    /// The pass's phases in order; the per-layer ones summed over the layers.
    public enum Phase: Int, CaseIterable, Sendable {
        case setup, attentionNorm, qkv, qkNorm, attention, outputProduct, ffnNorm, gateUpSwiGLU, down, logits

        public var name: String {
            switch self {
            case .setup: return "setup (RoPE table, embedding)"
            case .attentionNorm: return "attention RMSNorm + quantise"
            case .qkv: return "q/k/v products"
            case .qkNorm: return "q/k norms (Qwen3)"
            case .attention: return "attention (RoPE, K/V store, quantise)"
            case .outputProduct: return "attention output product"
            case .ffnNorm: return "FFN RMSNorm + quantise"
            case .gateUpSwiGLU: return "gate/up products + SwiGLU"
            case .down: return "down product"
            case .logits: return "final norm + vocabulary product"
            }
        }
    }

    private var nanoseconds = [UInt64](repeating: 0, count: Phase.allCases.count)
    public private(set) var passes = 0
    private var last: UInt64 = 0

    public init() {}

    /// Milliseconds per pass spent in each phase, in pass order.
    public var millisecondsPerPass: [(phase: Phase, milliseconds: Double)] {
        Phase.allCases.map { ($0, Double(nanoseconds[$0.rawValue]) / 1e6 / Double(max(passes, 1))) }
    }

    func beginPass() {
        passes += 1
        last = DispatchTime.now().uptimeNanoseconds
    }

    /// Charges the time since the last mark (or the pass's start) to `phase`.
    func end(_ phase: Phase) {
        let now = DispatchTime.now().uptimeNanoseconds
        nanoseconds[phase.rawValue] += now - last
        last = now
    }
}
