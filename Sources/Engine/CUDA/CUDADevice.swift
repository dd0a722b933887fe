import CKVDeckCUDA
import Foundation

/// A usable GPU: the library that reached it and what it reported. Made only by `CUDAProbe`.
public struct CUDADevice: Sendable {
    let library: CUDALibrary
    public let index: Int
    public let name: String
    public let computeCapability: String
    public let freeBytes: Int
    public let totalBytes: Int
    public let driverVersion: Int
    public let libraryPath: String

    /// "NVIDIA H100 80GB HBM3 (sm_90, 79.2 of 79.6 GiB free, driver 13.0)".
    public var summary: String {
        let gib = { (b: Int) in String(format: "%.1f", Double(b) / 1_073_741_824) }
        return "\(name) (sm_\(computeCapability), \(gib(freeBytes)) of \(gib(totalBytes)) GiB free, driver \(driverVersion / 1000).\(driverVersion % 1000 / 10))"
    }
}

/// Finds libkvdeck_cuda.so and a GPU it can drive, or says why not, in the order a person would
/// fix things: the library (build it), the NVIDIA driver, a device.
public enum CUDAProbe {
    public static let libraryName = "libkvdeck_cuda.so"

    /// Where the library is looked for: `$KVDECK_CUDA_LIB` (only there, when set), else beside the
    /// executable, else the build tree's `.build/cuda/` (scripts/build-cuda's output) seen from the
    /// executable (`.build/<triple>/<config>/kvdeck`) and from the working directory.
    public static func candidatePaths(environment: [String: String], executableDirectory: String?,
                                      workingDirectory: String) -> [String] {
        if let p = environment["KVDECK_CUDA_LIB"], !p.isEmpty { return [p] }
        var paths: [String] = []
        if let dir = executableDirectory {
            paths.append(dir + "/" + libraryName)
            paths.append(dir + "/../cuda/" + libraryName)
            paths.append(dir + "/../../cuda/" + libraryName)
        }
        paths.append(workingDirectory + "/.build/cuda/" + libraryName)
        return paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// The first usable device (device 0), or why there is none.
    public static func probe(environment: [String: String] = ProcessInfo.processInfo.environment,
                             executableDirectory: String? = Bundle.main.executableURL?.deletingLastPathComponent().path,
                             workingDirectory: String = FileManager.default.currentDirectoryPath) -> Result<CUDADevice, CUDAUnavailable> {
        let paths = candidatePaths(environment: environment, executableDirectory: executableDirectory, workingDirectory: workingDirectory)
        guard let path = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            return .failure(CUDAUnavailable("no \(libraryName) (looked at \(paths.joined(separator: ", "))); build it with scripts/build-cuda or set KVDECK_CUDA_LIB"))
        }
        let library: CUDALibrary
        do { library = try CUDALibrary(path: path) } catch { return .failure(error) }  // dlopen reuses a loaded file's handle
        // The driver first: without it the runtime's own error is less plain.
        guard let driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(CUDAUnavailable("no NVIDIA driver on this machine (\(why))"))
        }
        _ = driver // stays loaded: the runtime inside the library uses it
        var count: Int32 = 0
        var info = kvd_cuda_device_info()
        do {
            try CUDALibrary.call("device count") { library.deviceCount(&count, $0) }
            try CUDALibrary.call("device 0") { library.deviceInfo(0, &info, $0) }
        } catch {
            return .failure(CUDAUnavailable(error.message))
        }
        return .success(CUDADevice(library: library, index: 0, name: info.deviceName,
                                   computeCapability: "\(info.major)\(info.minor)", freeBytes: Int(info.free_bytes),
                                   totalBytes: Int(info.total_bytes), driverVersion: Int(info.driver_version),
                                   libraryPath: path))
    }
}
