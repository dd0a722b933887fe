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

/// How matrix products with quantised weights are computed.
public enum CPUArithmetic: Sendable, Equatable {
    /// Weights dequantised to float32, float32 activations: matches a float32 reference run.
    case exact
    /// Activations quantised to 8-bit blocks once per product, integer dot products (llama.cpp's
    /// way): fastest, logits within a few hundredths of `exact`.
    case quantizedActivations
}
