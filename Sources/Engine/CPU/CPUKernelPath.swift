import CKernels

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
