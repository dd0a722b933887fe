import Engine
import YAML

/// `POST /v1/completions`: a prompt as text or token ids (one per request), then the shared fields.
enum CompletionRequest {
    /// OpenAI's default for the legacy completions API.
    static let defaultMaxTokens = 16

    static func plan(_ body: JSONValue, serving: ServingModel) throws(APIError) -> GenerationPlan {
        let f = try RequestFields(body)
        let model = try serving.resolve(try f.string("model"))
        if let suffix = try f.string("suffix"), !suffix.isEmpty { throw .badRequest("suffix is not currently supported", param: "suffix") }
        let addSpecial = try f.bool("add_special_tokens") ?? true
        let (prompt, promptText) = try readPrompt(f, tokenizer: serving.tokenizer, addSpecialTokens: addSpecial)

        var sampling = try SamplingFields.read(f, maxTokens: try f.int("max_tokens") ?? defaultMaxTokens)
        if let n = try f.int("logprobs") {
            guard (0...SamplingParams.maxLogprobs).contains(n) else {
                throw .badRequest("logprobs must be in 0...\(SamplingParams.maxLogprobs), got \(n)", param: "logprobs")
            }
            sampling.logprobs = n
        }
        let echo = try f.bool("echo") ?? false
        if echo, sampling.logprobs != nil {
            throw .badRequest("echo with logprobs needs prompt logprobs, which this server does not compute; drop one of them", param: "echo")
        }
        let streaming = try SamplingFields.streaming(f)
        try SamplingFields.checkLength(prompt: prompt.count, maxTokens: sampling.maxTokens, maxModelLen: serving.maxModelLen)
        return GenerationPlan(api: .completion, model: model, prompt: prompt, promptText: promptText, sampling: sampling,
                              stream: streaming.stream, includeUsage: streaming.includeUsage,
                              continuousUsage: streaming.continuous, echo: echo)
    }

    /// `prompt`: a string, a list of token ids, or a one-element list of either.
    static func readPrompt(_ f: RequestFields, tokenizer: Tokenizer, addSpecialTokens: Bool) throws(APIError) -> ([TokenID], String) {
        guard let raw = f.raw("prompt") else { throw .badRequest("'prompt' is required", param: "prompt") }
        let malformed = APIError.badRequest("'prompt' must be a string, a list of token ids, or a list holding one of those", param: "prompt")
        switch raw {
        case .string(let text):
            return (tokenizer.encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true).map { TokenID($0) }, text)
        case .array(let items):
            if items.isEmpty { throw .badRequest("'prompt' is empty; send text or at least one token id", param: "prompt") }
            if items.allSatisfy({ if case .int = $0 { true } else { false } }) {
                var ids: [TokenID] = []
                for case .int(let i) in items {
                    guard let id = TokenID(exactly: i), i >= 0, i < tokenizer.vocabularySize else {
                        throw .badRequest("prompt token id \(i) is outside this model's vocabulary (0..<\(tokenizer.vocabularySize))", param: "prompt")
                    }
                    ids.append(id)
                }
                return (ids, tokenizer.decode(ids.map(Int.init)))
            }
            guard items.count == 1 else {
                throw .badRequest("this server takes one prompt per request (got \(items.count)); send one request per prompt", param: "prompt")
            }
            guard case .string = items[0] else {
                if case .array = items[0] {
                    return try readPrompt(RequestFields(.object(["prompt": items[0]])), tokenizer: tokenizer, addSpecialTokens: addSpecialTokens)
                }
                throw malformed
            }
            return try readPrompt(RequestFields(.object(["prompt": items[0]])), tokenizer: tokenizer, addSpecialTokens: addSpecialTokens)
        default:
            throw malformed
        }
    }
}
