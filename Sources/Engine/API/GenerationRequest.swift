/// One completion to run: a prompt and how to sample it.
public struct GenerationRequest: Sendable, Equatable {
    public enum Prompt: Sendable, Equatable {
        /// Text, fully formatted (chat template applied); the engine's tokenizer encodes it.
        case text(String)
        case tokens([TokenID])
    }

    /// Unique among requests in flight; `abort(requestID:)` names it.
    public var id: String
    public var prompt: Prompt
    public var sampling: SamplingParams

    public init(id: String, prompt: Prompt, sampling: SamplingParams = SamplingParams()) {
        self.id = id
        self.prompt = prompt
        self.sampling = sampling
    }
}

/// Why generation stopped with `FinishReason.stop`: vLLM's `stop_reason`.
public enum StopReason: Sendable, Equatable {
    case token(TokenID)
    case string(String)
}

public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the prefix cache (OpenAI `prompt_tokens_details.cached_tokens`).
    public var cachedPromptTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
    }
}

/// What a request's stream carries: deltas as tokens are generated, then exactly one `finished`.
public enum GenerationEvent: Sendable, Equatable {
    public struct Delta: Sendable, Equatable {
        /// New text; may be empty while text that could start a stop string is held back, or
        /// while a character's bytes span several tokens.
        public var text: String
        public var tokenIDs: [TokenID]
        /// One entry per token in `tokenIDs` when the request asked for logprobs.
        public var logprobs: [TokenLogprobs]

        public init(text: String, tokenIDs: [TokenID], logprobs: [TokenLogprobs] = []) {
            self.text = text
            self.tokenIDs = tokenIDs
            self.logprobs = logprobs
        }
    }

    public struct Finish: Sendable, Equatable {
        public var reason: FinishReason
        public var stopReason: StopReason?
        public var usage: Usage

        public init(reason: FinishReason, stopReason: StopReason? = nil, usage: Usage) {
            self.reason = reason
            self.stopReason = stopReason
            self.usage = usage
        }
    }

    case delta(Delta)
    case finished(Finish)
}

/// The engine core's output for one request after a step or an abort.
public struct RequestOutput: Sendable {
    public var requestID: String
    public var events: [GenerationEvent]
    /// Set when the request failed (a backend error); the stream ends by throwing it.
    public var error: EngineError?
}

/// The engine's limits besides what the backend fixes (block size and count).
public struct EngineConfig: Sendable, Equatable {
    /// `--max-num-batched-tokens`: tokens per forward step; longer prompts are chunked.
    public var maxNumBatchedTokens = 2048
    /// `--max-num-seqs`
    public var maxNumSeqs = 256
    /// `--max-model-len`: prompt plus output tokens. nil: the model's context length, or what
    /// the KV cache holds if that is less.
    public var maxModelLen: Int? = nil
    public var enablePrefixCaching = true

    public init(maxNumBatchedTokens: Int = 2048, maxNumSeqs: Int = 256, maxModelLen: Int? = nil,
                enablePrefixCaching: Bool = true) {
        self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSeqs = maxNumSeqs
        self.maxModelLen = maxModelLen
        self.enablePrefixCaching = enablePrefixCaching
    }
}
