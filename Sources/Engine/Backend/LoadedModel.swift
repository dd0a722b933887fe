/// A model read from disk once (weights mapped, tokenizer and chat format parsed), ready to serve.
/// Several servers can share one: each makes its own backend, and so its own KV cache, over the
/// same weights with `makeRunner` (the local cluster's kubelet runs one server per pod this way).
public struct LoadedModel: Sendable {
    /// Where the model came from (`--model` path): `root` in `/v1/models`, and the served name
    /// when none is given.
    public var path: String
    public var config: ModelConfig
    public var tokenizer: Tokenizer
    /// The chat format, or why there is none (completions still work; chat answers 400).
    public var chatTemplate: Result<ChatTemplate, ChatTemplateError>
    /// A backend with a fresh KV cache over these weights (CPU or CUDA kernels, or a fake in tests).
    public var makeRunner: @Sendable (RunnerRequest) throws -> any ModelRunner
    /// Which backend `makeRunner` uses and why (`EngineBackend.description`), for the person
    /// starting the server.
    public var backendDescription: String

    public init(path: String, config: ModelConfig, tokenizer: Tokenizer,
                chatTemplate: Result<ChatTemplate, ChatTemplateError>, backendDescription: String = "CPU",
                makeRunner: @escaping @Sendable (RunnerRequest) throws -> any ModelRunner) {
        self.backendDescription = backendDescription
        self.path = path
        self.config = config
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.makeRunner = makeRunner
    }

    /// A model opened with `ModelFiles.open` plus how to make its backend.
    public init(files: ModelFiles, backendDescription: String = "CPU",
                makeRunner: @escaping @Sendable (RunnerRequest) throws -> any ModelRunner) {
        self.init(path: files.path, config: files.config, tokenizer: files.tokenizer,
                  chatTemplate: files.chatTemplate, backendDescription: backendDescription, makeRunner: makeRunner)
    }
}

/// What a server asks of a new backend: `--block-size`, `--kv-cache-memory`,
/// `--kv-cache-dtype` and, for the CUDA backend, `--gpu-memory-utilization`.
public struct RunnerRequest: Sendable, Equatable {
    public var blockSize: Int
    public var kvCacheBytes: Int
    public var kvCacheDType: KVCacheDType
    public var gpuMemoryUtilization: Double?

    public init(blockSize: Int, kvCacheBytes: Int, kvCacheDType: KVCacheDType = .auto, gpuMemoryUtilization: Double? = nil) {
        self.blockSize = blockSize
        self.kvCacheBytes = kvCacheBytes
        self.kvCacheDType = kvCacheDType
        self.gpuMemoryUtilization = gpuMemoryUtilization
    }

    /// Whole blocks the budget buys for `config` (throws with the memory needed when none fits).
    public func blockCount(for config: ModelConfig) throws(EngineError) -> Int {
        try KVCacheBudget.blockCount(bytes: kvCacheBytes, config: config, blockSize: blockSize)
    }
}

extension LoadedModel {
    /// Opens a GGUF file or a Hugging Face directory and serves it with the backend
    /// `EngineBackend` chooses (the GPU when it can, else the CPU kernels): the weights are read
    /// (and uploaded) once, and each server gets its own runner (its own KV cache) over them.
    /// - Parameter threads: CPU compute threads per runner; nil uses every online CPU.
    public static func open(path: String, chatTemplate: ChatTemplate? = nil, threads: Int? = nil) throws -> LoadedModel {
        let files = try ModelFiles.open(path: path, chatTemplate: chatTemplate)
        let backend = try EngineBackend(weights: files.weights)
        return LoadedModel(files: files, backendDescription: backend.description) { request in
            try backend.makeRunner(blockSize: request.blockSize, kvCacheBytes: request.kvCacheBytes,
                                   gpuMemoryUtilization: request.gpuMemoryUtilization,
                                   kvCacheDType: request.kvCacheDType, threads: threads)
        }
    }
}
