import Engine
import EngineServer

/// One completion through the real `InferenceEngine` (the path `kvdeck serve` takes), with the
/// timings a person asks of a single run.
struct OneCompletion {
    var promptTokenIDs: [TokenID]
    var tokenIDs: [TokenID] = []
    var text = ""
    var finish: GenerationEvent.Finish?
    /// Seconds from submitting to the first generated token (prefill included).
    var timeToFirstToken: Double?
    /// Seconds from submitting to the end of the stream.
    var total = 0.0
    /// Seconds between the first and the last token.
    var decode = 0.0

    /// Tokens per second after the first: what decoding alone runs at (nil below two tokens).
    var decodeTokensPerSecond: Double? {
        tokenIDs.count > 1 && decode > 0 ? Double(tokenIDs.count - 1) / decode : nil
    }

    /// Block size for the one-request engine; the server's default.
    static let blockSize = KVCacheBudget.defaultBlockSize

    /// Runs `prompt` to its end, handing each piece of text to `onText` as it is generated.
    static func run(model: LoadedModel, prompt: [TokenID], sampling: SamplingParams,
                    onText: (String) -> Void) async throws -> OneCompletion {
        let positions = model.config.maxPositions
        guard prompt.count < positions else {
            throw PromptInputError(description: "the prompt has \(prompt.count) tokens but the model's context holds \(positions); shorten it")
        }
        // The KV cache holds this request and nothing more: one sequence never needs more than
        // prompt plus max tokens, so a 4 GiB server-sized cache would only cost memory.
        let length = min(positions, prompt.count + (sampling.maxTokens ?? positions))
        let blocks = (length + blockSize - 1) / blockSize
        let runner = try model.makeRunner(RunnerRequest(blockSize: blockSize, kvCacheBytes: blocks * KVCacheBudget.bytesPerBlock(config: model.config, blockSize: blockSize)))
        let engine = try InferenceEngine(runner: runner, detokenizer: model.tokenizer,
                                         config: EngineConfig(maxNumSeqs: 1, maxModelLen: length, enablePrefixCaching: false))

        var run = OneCompletion(promptTokenIDs: prompt)
        let started = ContinuousClock.now
        var first: ContinuousClock.Instant?
        var last = started
        for try await event in try await engine.submit(GenerationRequest(id: "generate", prompt: .tokens(prompt), sampling: sampling)) {
            switch event {
            case .delta(let d):
                let now = ContinuousClock.now
                if first == nil, !d.tokenIDs.isEmpty { first = now }
                if !d.tokenIDs.isEmpty { last = now }
                run.tokenIDs += d.tokenIDs
                run.text += d.text
                if !d.text.isEmpty { onText(d.text) }
            case .finished(let f):
                run.finish = f
            }
        }
        run.total = started.duration(to: .now).seconds
        if let first {
            run.timeToFirstToken = started.duration(to: first).seconds
            run.decode = first.duration(to: last).seconds
        }
        return run
    }
}
