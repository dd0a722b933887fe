import Engine
import Foundation

/// The model a server answers with, once its backend and KV cache exist: the engine, the names
/// clients use, and the cache layout `/metrics` reports.
final class ServingModel: Sendable {
    let model: LoadedModel
    let engine: InferenceEngine
    let servedNames: [String]
    let maxModelLen: Int
    let blockSize: Int
    let blockCount: Int
    let kvCacheBytes: Int
    let kvCacheDType: KVCacheDType
    let enablePrefixCaching: Bool
    /// Unix seconds, for `created` in `/v1/models`.
    let created: Int

    /// Makes the backend (allocating the KV cache) and the engine over it.
    init(model: LoadedModel, options: ServerOptions) throws {
        let request = RunnerRequest(blockSize: options.blockSize, kvCacheBytes: options.kvCacheBytes,
                                    kvCacheDType: options.kvCacheDType, gpuMemoryUtilization: options.gpuMemoryUtilization)
        let runner = try model.makeRunner(request)
        self.model = model
        self.engine = try InferenceEngine(runner: runner, detokenizer: model.tokenizer, config: options.engine)
        self.servedNames = options.servedNames(path: model.path)
        self.maxModelLen = options.engine.maxModelLen ?? min(model.config.maxPositions, runner.blockSize * runner.blockCount)
        self.blockSize = runner.blockSize
        self.blockCount = runner.blockCount
        // The GPU sizes its own cache (from --gpu-memory-utilization): report what it took.
        self.kvCacheBytes = (runner as? CUDAModelRunner)?.kvCacheBytes ?? options.kvCacheBytes
        self.kvCacheDType = options.kvCacheDType
        self.enablePrefixCaching = options.engine.enablePrefixCaching
        self.created = Int(Date().timeIntervalSince1970)
    }

    /// The metrics `model_name`: the first served name (vLLM `get_served_model_name`).
    var metricsName: String { servedNames[0] }

    var tokenizer: Tokenizer { model.tokenizer }

    /// The served name a request's `model` field picks; nil or absent picks the first.
    func resolve(_ requested: String?) throws(APIError) -> String {
        guard let requested else { return servedNames[0] }
        guard servedNames.contains(requested) else { throw .modelNotFound(requested) }
        return requested
    }
}

/// Where the server is in its life: `/health` is 200 only when `ready` and not draining.
final class ServingState: @unchecked Sendable {
    enum Phase {
        case loading
        case ready(ServingModel)
        case failed(String)
    }

    private let lock = NSLock()
    private var _phase = Phase.loading
    private var _draining = false

    var phase: Phase { lock.withLock { _phase } }
    var draining: Bool { lock.withLock { _draining } }

    func set(_ phase: Phase) { lock.withLock { _phase = phase } }
    func startDraining() { lock.withLock { _draining = true } }

    /// The model, or the 503 a request gets while there is none.
    func servingModel() throws(APIError) -> ServingModel {
        let (phase, draining) = lock.withLock { (_phase, _draining) }
        if draining { throw .unavailable("the server is shutting down") }
        switch phase {
        case .ready(let m): return m
        case .loading: throw .unavailable("the model is still loading")
        case .failed(let why): throw .unavailable("the model failed to load: \(why)")
        }
    }
}
