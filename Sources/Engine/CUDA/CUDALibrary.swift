import CKVDeckCUDA
import Foundation

/// Why the CUDA backend cannot run here, in words for the person starting kvdeck.
public struct CUDAUnavailable: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// libkvdeck_cuda.so, opened with dlopen, and its functions looked up through the header's own
/// pointer types (cuda/include/kvdeck_cuda.h), so a signature change is a compile error here.
/// Loaded once per process and never closed: runners and models hold pointers into it.
final class CUDALibrary: @unchecked Sendable {
    let path: String
    let deviceCount: kvd_cuda_device_count_fn
    let deviceInfo: kvd_cuda_device_info_get_fn
    let modelCreate: kvd_cuda_model_create_fn
    let modelDestroy: kvd_cuda_model_destroy_fn
    let modelBytes: kvd_cuda_model_bytes_fn
    let runnerCreate: kvd_cuda_runner_create_fn
    let runnerDestroy: kvd_cuda_runner_destroy_fn
    let runnerInfo: kvd_cuda_runner_info_get_fn
    let forward: kvd_cuda_forward_fn

    /// Opens the library at `path` and checks it was built from this header.
    init(path: String) throws(CUDAUnavailable) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw CUDAUnavailable("\(path) cannot be loaded: \(why)")
        }
        func symbol<F>(_ name: String, _: F.Type) throws(CUDAUnavailable) -> F {
            guard let p = dlsym(handle, name) else {
                throw CUDAUnavailable("\(path) has no \(name): it is not a libkvdeck_cuda.so of this kvdeck (rebuild with scripts/build-cuda)")
            }
            return unsafeBitCast(p, to: F.self)
        }
        let abi = try symbol("kvd_cuda_abi_version", kvd_cuda_abi_version_fn.self)()
        guard abi == KVD_CUDA_ABI_VERSION else {
            throw CUDAUnavailable("\(path) was built for CUDA ABI \(abi), this kvdeck speaks \(KVD_CUDA_ABI_VERSION): rebuild it with scripts/build-cuda")
        }
        self.path = path
        deviceCount = try symbol("kvd_cuda_device_count", kvd_cuda_device_count_fn.self)
        deviceInfo = try symbol("kvd_cuda_device_info_get", kvd_cuda_device_info_get_fn.self)
        modelCreate = try symbol("kvd_cuda_model_create", kvd_cuda_model_create_fn.self)
        modelDestroy = try symbol("kvd_cuda_model_destroy", kvd_cuda_model_destroy_fn.self)
        modelBytes = try symbol("kvd_cuda_model_bytes", kvd_cuda_model_bytes_fn.self)
        runnerCreate = try symbol("kvd_cuda_runner_create", kvd_cuda_runner_create_fn.self)
        runnerDestroy = try symbol("kvd_cuda_runner_destroy", kvd_cuda_runner_destroy_fn.self)
        runnerInfo = try symbol("kvd_cuda_runner_info_get", kvd_cuda_runner_info_get_fn.self)
        forward = try symbol("kvd_cuda_forward", kvd_cuda_forward_fn.self)
    }

    /// Runs `body` with an error record and turns a failure code into a `CUDAError`.
    static func call(_ what: String, _ body: (UnsafeMutablePointer<kvd_cuda_error>) -> Int32) throws(CUDAError) {
        var err = kvd_cuda_error()
        let rc = body(&err)
        guard rc != KVD_CUDA_OK else { return }
        throw CUDAError(code: rc, message: "\(what): \(err.text)")
    }
}

/// A failure the CUDA library reported: its code (KVD_CUDA_ERR_*) and message.
public struct CUDAError: Error, CustomStringConvertible, Equatable, Sendable {
    public let code: Int32
    public let message: String
    public var description: String { "CUDA backend: \(message)" }
}

extension kvd_cuda_error {
    /// The NUL-terminated message.
    var text: String {
        withUnsafeBytes(of: message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

extension kvd_cuda_device_info {
    var deviceName: String {
        withUnsafeBytes(of: name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
