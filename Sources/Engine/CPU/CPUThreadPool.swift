import CKernels

/// The C kernels' persistent thread pool (kvd_pool.h), owned by one runner. Threads are made once
/// and live as long as this object.
final class CPUThreadPool: @unchecked Sendable {
    /// Immutable after init; the pool serialises its own jobs' workers, its owner serialises jobs.
    let raw: OpaquePointer?

    /// threads: total, including the caller; nil means one per online CPU.
    init(threads: Int?) {
        raw = kvd_pool_create(Int32(clamping: threads ?? 0))
    }

    var threadCount: Int { Int(kvd_pool_threads(raw)) }

    deinit { kvd_pool_destroy(raw) }
}

/// Which compiled path the kernels take (kvd_matmul.h). `best` is what this CPU runs fastest;
/// the others exist so tests can compare every path with the plain reference.
public enum CPUKernelPath: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case reference = 0
    case avx2 = 1
    case avx512 = 2

    public static var best: CPUKernelPath { CPUKernelPath(rawValue: kvd_isa_best()) ?? .reference }
    public var isSupported: Bool { kvd_isa_supported(rawValue) != 0 }
    public var description: String {
        switch self {
        case .reference: return "reference C"
        case .avx2: return "AVX2+FMA"
        case .avx512: return "AVX-512 VNNI"
        }
    }
}

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
