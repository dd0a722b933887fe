import Engine
import EngineServer
import Foundation
import Kube
import LocalCluster
import Logging
import YAML

/// Decides what each local-cluster pod runs: the engine when the pod serves the default model
/// (its `kvdeck serve` / `vllm serve` path names `SmolLM2-135M-Instruct.Q4_1.gguf`, or `default`),
/// a stand-in otherwise (kvdeck cannot fetch other models for a pod). The model is loaded once,
/// on first need, and every engine pod shares its weights; each has its own KV cache.
public final class EnginePods: Sendable {
    public let modelPath: String
    /// KV cache per pod unless its `--kv-cache-memory` says otherwise: small, so a demo of a few
    /// pods stays light on a laptop.
    public let kvCacheBytesPerPod: Int
    /// Compute threads per pod: one, so that several pods share two cores without fighting.
    public let threadsPerPod: Int
    private let model: ModelCache
    private let transport: CurlTransport
    private let logger: Logger

    public init(modelPath: String = DefaultModel.path(environment: ProcessInfo.processInfo.environment),
                kvCacheBytesPerPod: Int = 128 << 20, threadsPerPod: Int = 1,
                logger: Logger = Logger(label: "kvdeck.local-cluster.engine-pods")) throws {
        self.modelPath = modelPath
        self.kvCacheBytesPerPod = kvCacheBytesPerPod
        self.threadsPerPod = threadsPerPod
        self.logger = logger
        model = ModelCache(path: modelPath, threads: threadsPerPod)
        transport = try CurlTransport(options: TransportOptions(connectTimeout: .seconds(2), requestTimeout: .seconds(120),
                                                                userAgent: "kvdeck-apiserver-proxy"))
    }

    /// Whether a pod with this spec gets the engine.
    public func runsEngine(_ spec: PodEngineSpec) -> Bool {
        let file = spec.modelPath.split(separator: "/").last.map(String.init) ?? spec.modelPath
        return file == DefaultModel.fileName || spec.modelPath == "default"
    }

    /// The factory for `StandInKubelet(makeServer:)`.
    public var factory: PodServerFactory {
        { [self] pod, capacity, now in
            let spec = PodEngineSpec(pod: pod)
            guard runsEngine(spec) else { return await StandInKubelet.standIn(pod, capacity, now) }
            let loaded: LoadedModel
            do {
                loaded = try await model.get()
            } catch {
                logger.warning("engine pods run as stand-ins: the default model could not be loaded", metadata: ["error": "\(error)"])
                return await StandInKubelet.standIn(pod, capacity, now)
            }
            var kvBytes = kvCacheBytesPerPod
            if let text = spec.kvCacheMemory, let bytes = try? KVCacheBudget.parseBytes(text) { kvBytes = bytes }
            return await EnginePodServer.start(pod: pod, spec: spec, model: loaded, transport: transport,
                                               kvCacheBytes: kvBytes, logCapacity: capacity, now: now)
        }
    }

    /// Loads the default model now rather than at the first pod's start, so that whoever starts
    /// the cluster can say at once whether its pods will run the engine; nil when they will.
    public func loadModel() async -> (any Error)? {
        do {
            _ = try await model.get()
            return nil
        } catch {
            return error
        }
    }

    public func shutdown() { transport.shutdown() }
}

/// The model, loaded on first use and kept (a failure is kept too: the file will not appear by itself).
private actor ModelCache {
    let path: String
    let threads: Int
    private var loaded: Result<LoadedModel, Error>?

    init(path: String, threads: Int) {
        self.path = path
        self.threads = threads
    }

    func get() throws -> LoadedModel {
        if let loaded { return try loaded.get() }
        let result = Result { try LoadedModel.open(path: path, threads: threads) }
        loaded = result
        return try result.get()
    }
}
