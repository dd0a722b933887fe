import Foundation

/// Which kernels run a model, and why: the one place the engine decides between the CUDA backend
/// and the CPU. `kvdeck serve`, `kvdeck generate` and the chat pane all open models through it
/// and print `description`.
///
/// `$KVDECK_BACKEND`: `auto` (default) uses the GPU when libkvdeck_cuda.so, the NVIDIA driver and
/// a device are all there and the weights upload, and otherwise the CPU, saying why; `cuda` makes
/// any of those missing an error; `cpu` never looks for a GPU.
public final class EngineBackend: @unchecked Sendable {
    public enum Kind: String, Sendable { case cpu, cuda }

    public let weights: any ModelWeights
    public let kind: Kind
    /// What runs and why, e.g. "CUDA on NVIDIA H100 ... (bf16 weights, 0.27 GiB)" or
    /// "CPU (CUDA unavailable: no NVIDIA driver on this machine (...))".
    public let description: String
    /// The weights on the GPU when `kind` is `.cuda`.
    public let cudaModel: CUDAModel?

    /// Chooses for `weights` and, for the GPU, uploads them (so the choice is final here).
    public init(weights: any ModelWeights, environment: [String: String] = ProcessInfo.processInfo.environment,
                probe: () -> Result<CUDADevice, CUDAUnavailable> = { CUDAProbe.probe() }) throws {
        self.weights = weights
        let mode = environment["KVDECK_BACKEND"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "auto"
        guard ["auto", "cpu", "cuda"].contains(mode) else {
            throw EngineError.invalidConfiguration("KVDECK_BACKEND=\(mode) is not auto, cpu or cuda")
        }
        if mode == "cpu" {
            (kind, cudaModel, description) = (.cpu, nil, "CPU (KVDECK_BACKEND=cpu)")
            return
        }
        let attempt: Result<CUDAModel, CUDAUnavailable>
        switch probe() {
        case .failure(let why):
            attempt = .failure(why)
        case .success(let device):
            do {
                let precision = try CUDAPrecision.from(environment: environment)
                attempt = .success(try CUDAModel(weights: weights, device: device, precision: precision))
            } catch let e as CUDAUnavailable {
                attempt = .failure(e)
            } catch {
                attempt = .failure(CUDAUnavailable("\(device.name) found, but the model did not upload: \(error)"))
            }
        }
        switch attempt {
        case .success(let model):
            let gib = String(format: "%.2f", Double(model.bytes) / 1_073_741_824)
            (kind, cudaModel) = (.cuda, model)
            description = "CUDA on \(model.device.summary), \(model.precision) weights \(gib) GiB (\(model.device.libraryPath))"
        case .failure(let why):
            if mode == "cuda" { throw why }
            (kind, cudaModel, description) = (.cpu, nil, "CPU (CUDA unavailable: \(why.reason))")
        }
    }

    /// A runner with its own KV cache over these weights. The CPU sizes its cache from
    /// `kvCacheBytes`; the GPU from `gpuMemoryUtilization` when given (what is left of that share
    /// of the device once weights and scratch are in), else from `kvCacheBytes`.
    /// - Parameter kvCacheDType: `--kv-cache-dtype`; the CUDA library keeps its cache in its
    ///   compute dtype, so there only `auto` is taken.
    /// - Parameter threads: CPU compute threads; nil uses every online CPU.
    public func makeRunner(blockSize: Int, kvCacheBytes: Int, gpuMemoryUtilization: Double? = nil,
                           kvCacheDType: KVCacheDType = .auto, threads: Int? = nil) throws -> any ModelRunner {
        if let cudaModel {
            guard kvCacheDType == .auto else {
                throw EngineError.invalidConfiguration("--kv-cache-dtype \(kvCacheDType): the CUDA backend keeps its KV cache in its compute dtype (\(cudaModel.precision)); use auto")
            }
            let size: CUDAModelRunner.CacheSize = gpuMemoryUtilization.map { .gpuMemoryUtilization($0) } ?? .bytes(kvCacheBytes)
            return try CUDAModelRunner(model: cudaModel, blockSize: blockSize, cacheSize: size)
        }
        return try CPUModelRunner(weights: weights, blockSize: blockSize, kvCacheBytes: kvCacheBytes,
                                  kvCacheFormat: kvCacheDType.cpuFormat, threads: threads)
    }
}
