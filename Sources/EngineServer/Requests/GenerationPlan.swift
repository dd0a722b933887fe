import Engine
import YAML

/// Which OpenAI endpoint a generation came from: it decides the response's shape.
enum GenerationAPI: Sendable {
    case chat, completion

    var idPrefix: String { self == .chat ? "chatcmpl-" : "cmpl-" }
}

/// A generation request, decoded and checked against the model: everything needed to run it and
/// to write its response. Built by `ChatCompletionRequest` or `CompletionRequest`.
struct GenerationPlan: Sendable {
    var api: GenerationAPI
    /// The served name the response echoes.
    var model: String
    var prompt: [TokenID]
    /// The prompt as text (chat: the rendered template), for `echo` and `--log-prompts`.
    var promptText: String
    var sampling: SamplingParams
    var stream: Bool
    /// `stream_options.include_usage`: a last chunk with `choices: []` and the usage.
    var includeUsage: Bool
    /// `stream_options.continuous_usage_stats`: usage on every chunk.
    var continuousUsage: Bool
    /// Completions `echo`: the prompt text leads the output.
    var echo: Bool
}

/// The request fields every generation endpoint shares (vLLM `SamplingParams` via the OpenAI
/// protocol, reference §2.4), and the refusals of what this server does not do.
enum SamplingFields {
    static func read(_ f: RequestFields, maxTokens: Int?) throws(APIError) -> SamplingParams {
        var p = SamplingParams()
        if let n = try f.int("n"), n != 1 {
            throw .badRequest("n must be 1: this server returns one choice per request (got \(n)); send \(n) requests instead", param: "n")
        }
        if let b = try f.int("best_of"), b != 1 {
            throw .badRequest("best_of must be 1: this server returns one choice per request (got \(b))", param: "best_of")
        }
        if try f.bool("use_beam_search") == true { throw unsupported("use_beam_search") }
        if let m = try f.int("min_tokens"), m > 0 { throw unsupported("min_tokens") }
        if let bias = f.raw("logit_bias"), bias != .object(JSONObject()) { throw unsupported("logit_bias") }
        for field in ["guided_json", "guided_regex", "guided_choice", "guided_grammar", "structured_outputs",
                      "prompt_logprobs", "allowed_token_ids", "bad_words"] where f.has(field) {
            throw unsupported(field)
        }
        if let format = try f.objectField("response_format"), let type = try format.string("type"), type != "text" {
            throw .badRequest("response_format \(type) is not supported by this server (no structured output); leave it out or use \"text\"",
                              param: "response_format")
        }

        if let t = try f.double("temperature") { p.temperature = t }
        if let t = try f.double("top_p") { p.topP = t }
        if let k = try f.int("top_k") { p.topK = k }
        if let m = try f.double("min_p") { p.minP = m }
        if let r = try f.double("repetition_penalty") { p.repetitionPenalty = r }
        if let r = try f.double("presence_penalty") { p.presencePenalty = r }
        if let r = try f.double("frequency_penalty") { p.frequencyPenalty = r }
        // Any integer seeds (vLLM takes negative ones too); its bits seed the generator.
        if let s = try f.int("seed") { p.seed = UInt64(bitPattern: Int64(s)) }
        if let stop = try f.strings("stop") { p.stop = stop }
        if let ids = try f.ints("stop_token_ids") { p.stopTokenIDs = ids.map { TokenID(clamping: $0) } }
        if let i = try f.bool("ignore_eos") { p.ignoreEOS = i }
        if let i = try f.bool("include_stop_str_in_output") { p.includeStopStringInOutput = i }
        if let m = maxTokens {
            guard m >= 1 else { throw .badRequest("max_tokens must be at least 1, got \(m)", param: "max_tokens") }
            p.maxTokens = m
        }
        return p
    }

    static func unsupported(_ field: String) -> APIError {
        .badRequest("\(field) is not supported by this server; leave it out", param: field)
    }

    /// `stream` and `stream_options` (which only makes sense with `stream`, as vLLM says).
    static func streaming(_ f: RequestFields) throws(APIError) -> (stream: Bool, includeUsage: Bool, continuous: Bool) {
        let stream = try f.bool("stream") ?? false
        guard let options = try f.objectField("stream_options") else { return (stream, false, false) }
        guard stream else {
            throw .badRequest("Stream options can only be defined when `stream=True`.", param: "stream_options")
        }
        // With the object present, include_usage defaults to true (vLLM's StreamOptions).
        return (stream, try options.bool("include_usage") ?? true, try options.bool("continuous_usage_stats") ?? false)
    }

    /// vLLM's check of prompt plus requested output against the context (serving_engine `_validate_input`).
    static func checkLength(prompt: Int, maxTokens: Int?, maxModelLen: Int) throws(APIError) {
        if prompt >= maxModelLen {
            throw .badRequest("This model's maximum context length is \(maxModelLen) tokens. However, your request has \(prompt) input tokens. Please reduce the length of the input messages (or raise --max-model-len).")
        }
        if let m = maxTokens, prompt + m > maxModelLen {
            throw .badRequest("This model's maximum context length is \(maxModelLen) tokens. However, you requested \(prompt + m) tokens (\(prompt) in the messages, \(m) in the completion). Please reduce the length of the messages or completion.",
                              param: "max_tokens")
        }
    }
}
