/// How to pick each next token and when to stop, with vLLM's meaning for every field
/// (`vllm/sampling_params.py`; the OpenAI request fields of reference §2.4 map onto these).
public struct SamplingParams: Sendable, Equatable {
    /// 0 means greedy (argmax after penalties); otherwise logits are divided by it.
    public var temperature: Double = 1.0
    /// Nucleus sampling: keep the smallest set of most likely tokens whose probability sums to `topP`.
    public var topP: Double = 1.0
    /// Keep the `topK` most likely tokens; 0 or -1 keeps all.
    public var topK: Int = 0
    /// Drop tokens whose probability is below `minP` × the top token's probability.
    public var minP: Double = 0
    /// > 1 discourages every token already seen in the prompt or the output (divides positive
    /// logits, multiplies negative ones); 1 disables.
    public var repetitionPenalty: Double = 1.0
    /// Subtracted once from the logit of every token already generated (-2...2).
    public var presencePenalty: Double = 0
    /// Subtracted per occurrence from the logit of every token already generated (-2...2).
    public var frequencyPenalty: Double = 0
    /// Seeds this request's own random generator, so its tokens do not depend on what else runs.
    public var seed: UInt64? = nil
    /// Generated tokens at most (the stop token included); nil: until the context is full.
    public var maxTokens: Int? = nil
    /// Text that ends generation; the matched text is not returned unless `includeStopStringInOutput`.
    public var stop: [String] = []
    public var includeStopStringInOutput = false
    /// Token ids that end generation, besides the model's end-of-sequence ids.
    public var stopTokenIDs: [TokenID] = []
    /// Keep generating past end-of-sequence tokens (benchmarks).
    public var ignoreEOS = false
    /// nil: no logprobs; n: the chosen token's logprob plus the n most likely alternatives.
    public var logprobs: Int? = nil

    /// vLLM's cap on `logprobs` (`max_logprobs` default).
    public static let maxLogprobs = 20

    public init() {}

    public static var greedy: SamplingParams {
        var p = SamplingParams()
        p.temperature = 0
        return p
    }

    var isGreedy: Bool { temperature < 1e-5 }

    /// Whether any penalty changes the logits before sampling.
    var hasPenalties: Bool { repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0 }

    /// Throws `invalidRequest` naming the first field out of range.
    public func validate(vocabSize: Int) throws(EngineError) {
        func fail(_ m: String) throws(EngineError) { throw .invalidRequest(m) }
        if !(temperature >= 0) || !temperature.isFinite { try fail("temperature must be >= 0, got \(temperature)") }
        if !(topP > 0 && topP <= 1) { try fail("top_p must be in (0, 1], got \(topP)") }
        if topK < -1 { try fail("top_k must be -1 (disable), 0 (disable) or at least 1, got \(topK)") }
        if !(minP >= 0 && minP <= 1) { try fail("min_p must be in [0, 1], got \(minP)") }
        if !(repetitionPenalty > 0) || !repetitionPenalty.isFinite { try fail("repetition_penalty must be > 0, got \(repetitionPenalty)") }
        if !(presencePenalty >= -2 && presencePenalty <= 2) { try fail("presence_penalty must be in [-2, 2], got \(presencePenalty)") }
        if !(frequencyPenalty >= -2 && frequencyPenalty <= 2) { try fail("frequency_penalty must be in [-2, 2], got \(frequencyPenalty)") }
        if let m = maxTokens, m < 1 { try fail("max_tokens must be at least 1, got \(m)") }
        if let n = logprobs, n < 0 || n > Self.maxLogprobs { try fail("logprobs must be in 0...\(Self.maxLogprobs), got \(n)") }
        if stop.contains(where: \.isEmpty) { try fail("stop strings must not be empty") }
        if let bad = stopTokenIDs.first(where: { $0 < 0 || Int($0) >= vocabSize }) {
            try fail("stop_token_ids: \(bad) is not a token id of this model (vocabulary size \(vocabSize))")
        }
    }
}
