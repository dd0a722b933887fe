/// How matrix products with quantised weights (Q8_0, Q4_0, Q4_1) are computed.
public enum CPUArithmetic: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Weights dequantised to float32, float32 activations: matches a float32 reference run.
    case exact
    /// llama.cpp's way: each activation row quantised once per product to 8-bit blocks of 32,
    /// integer dot products. The fastest; on the default model its logits move by up to ~0.5.
    case int8Activations
    /// Activations quantised to 16-bit blocks of 32, integer dot products (two per block instead
    /// of one): logits within ~0.002 of exact on the default model.
    case int16Activations

    var quantizes: Bool { self != .exact }
    var wide: Bool { self == .int16Activations }

    public var description: String {
        switch self {
        case .exact: return "exact (f32 activations)"
        case .int8Activations: return "int8 activations"
        case .int16Activations: return "int16 activations"
        }
    }
}
