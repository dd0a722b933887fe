import Engine
import Foundation

/// The chat pane's in-process engine: the model is opened on the first message (the pane shows
/// "loading model…"), then one `InferenceEngine` serves every conversation for the console's
/// lifetime. KV figures come from the engine's own block pool.
public final class LocalChatBackend: ChatBackend {
    public let label: String
    public let kvSource = ChatKVSource.engine
    private let loader: LocalEngineLoader

    /// - Parameters:
    ///   - kvCacheBytes: the KV cache; 256 MiB holds thousands of tokens of the default model
    ///     without taking a bastion's memory.
    ///   - threads: compute threads; nil uses every online CPU.
    public init(modelPath: String, kvCacheBytes: Int = 256 << 20, threads: Int? = nil) {
        let file = URL(fileURLWithPath: modelPath).lastPathComponent
        label = "local " + (file == DefaultModel.fileName ? DefaultModel.servedName : file)
        loader = LocalEngineLoader(path: modelPath, kvCacheBytes: kvCacheBytes, threads: threads)
    }

    public func send(_ messages: [ChatTurn], settings: ChatSettings) -> AsyncThrowingStream<ChatEvent, Error> {
        let loader = self.loader
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let model = try await loader.model { continuation.yield(.status($0)) }
                    try await Self.generate(model, messages: messages, settings: settings, into: continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            // The reader went away (ctrl-c, Esc): stop the task, and with it the engine request.
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func generate(_ model: LocalEngineLoader.Model, messages: [ChatTurn], settings: ChatSettings,
                                 into continuation: AsyncThrowingStream<ChatEvent, Error>.Continuation) async throws {
        let text = model.template.render(messages.map { ChatMessage(role: $0.role, content: $0.content) }, addGenerationPrompt: true)
        // The template writes BOS itself where the model wants one (as the server does).
        let prompt = model.tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true).map { TokenID($0) }
        var sampling = SamplingParams()
        sampling.temperature = settings.temperature
        sampling.maxTokens = settings.maxTokens
        let request = GenerationRequest(id: "chat-\(UUID().uuidString)", prompt: .tokens(prompt), sampling: sampling)
        let events = try await model.engine.submit(request)
        for try await event in events {
            try Task.checkCancellation()
            switch event {
            case let .delta(d):
                continuation.yield(.text(d.text, tokens: d.tokenIDs.count))
                continuation.yield(await kvBlocks(model.engine))
            case let .finished(f):
                continuation.yield(.finished(ChatFinish(reason: f.reason.rawValue, promptTokens: f.usage.promptTokens,
                                                        completionTokens: f.usage.completionTokens)))
                continuation.yield(await kvBlocks(model.engine))
            }
        }
    }

    private static func kvBlocks(_ engine: InferenceEngine) async -> ChatEvent {
        let stats = await engine.stats
        return .kvBlocks(used: Int((stats.kvCacheUsage * Double(stats.blockCount)).rounded()), total: stats.blockCount)
    }
}

/// Opens the model once, off the main actor; a failed open is not kept, so the next message
/// tries again (after `scripts/fetch-model`, say).
actor LocalEngineLoader {
    struct Model: Sendable {
        var engine: InferenceEngine
        var template: ChatTemplate
        var tokenizer: Tokenizer
        /// Which kernels run it and why (`EngineBackend.description`).
        var backend: String
    }

    let path: String
    let kvCacheBytes: Int
    let threads: Int?
    private var loading: Task<Model, Error>?

    init(path: String, kvCacheBytes: Int, threads: Int?) {
        self.path = path
        self.kvCacheBytes = kvCacheBytes
        self.threads = threads
    }

    func model(progress: @Sendable (String) -> Void) async throws -> Model {
        if let loading { return try await loading.value }
        progress("loading model \(URL(fileURLWithPath: path).lastPathComponent)…")
        let (path, bytes, threads) = (self.path, kvCacheBytes, self.threads)
        let task = Task.detached { try Self.open(path: path, kvCacheBytes: bytes, threads: threads) }
        loading = task
        do {
            let model = try await task.value
            progress("model loaded; backend: \(model.backend)")
            return model
        } catch {
            loading = nil
            throw error
        }
    }

    private static func open(path: String, kvCacheBytes: Int, threads: Int?) throws -> Model {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ChatBackendError("no model at \(path): run scripts/fetch-model (or set KVDECK_MODEL_CACHE)")
        }
        // The same opening as `kvdeck serve`'s (weights, tokenizer, chat format, backend choice).
        let model: LoadedModel
        do {
            model = try LoadedModel.open(path: path, threads: threads)
        } catch {
            throw ChatBackendError("cannot open the model: \(error)")
        }
        let template: ChatTemplate
        switch model.chatTemplate {
        case let .success(t): template = t
        case let .failure(e): throw ChatBackendError("this model cannot chat: \(e)")
        }
        let runner = try model.makeRunner(RunnerRequest(blockSize: 16, kvCacheBytes: kvCacheBytes))
        let engine = try InferenceEngine(runner: runner, detokenizer: model.tokenizer, config: EngineConfig())
        return Model(engine: engine, template: template, tokenizer: model.tokenizer, backend: model.backendDescription)
    }
}
