import Engine
import YAML

/// `POST /v1/chat/completions`: messages through the model's chat format, then the shared fields.
enum ChatCompletionRequest {
    static func plan(_ body: JSONValue, serving: ServingModel) throws(APIError) -> GenerationPlan {
        let f = try RequestFields(body)
        let model = try serving.resolve(try f.string("model"))
        let messages = try readMessages(f)
        if let tools = f.raw("tools"), tools != .array([]), try f.string("tool_choice") != "none" {
            throw SamplingFields.unsupported("tools")
        }
        if try f.bool("continue_final_message") == true { throw SamplingFields.unsupported("continue_final_message") }

        let template: ChatTemplate
        switch serving.model.chatTemplate {
        case .success(let t): template = t
        case .failure(let e): throw .badRequest("this model cannot chat: \(e); use /v1/completions, or start the server with --chat-template")
        }
        let text = template.render(messages, addGenerationPrompt: try f.bool("add_generation_prompt") ?? true)
        // The template writes BOS itself where the model wants one.
        let addSpecial = try f.bool("add_special_tokens") ?? false
        let prompt = serving.tokenizer.encode(text, addSpecialTokens: addSpecial, parseSpecial: true).map { TokenID($0) }

        // max_completion_tokens replaced max_tokens in OpenAI's API; both are accepted.
        var maxTokens = try f.int("max_completion_tokens")
        if maxTokens == nil { maxTokens = try f.int("max_tokens") }
        var sampling = try SamplingFields.read(f, maxTokens: maxTokens)
        if try f.bool("logprobs") == true {
            let top = try f.int("top_logprobs") ?? 0
            guard (0...SamplingParams.maxLogprobs).contains(top) else {
                throw .badRequest("top_logprobs must be in 0...\(SamplingParams.maxLogprobs), got \(top)", param: "top_logprobs")
            }
            sampling.logprobs = top
        } else if let top = try f.int("top_logprobs"), top > 0 {
            throw .badRequest("when using `top_logprobs`, `logprobs` must be set to true.", param: "top_logprobs")
        }
        let streaming = try SamplingFields.streaming(f)
        try SamplingFields.checkLength(prompt: prompt.count, maxTokens: sampling.maxTokens, maxModelLen: serving.maxModelLen)
        return GenerationPlan(api: .chat, model: model, prompt: prompt, promptText: text, sampling: sampling,
                              stream: streaming.stream, includeUsage: streaming.includeUsage,
                              continuousUsage: streaming.continuous, echo: false)
    }

    /// `messages`: each `{role, content}` where content is a string, null, or a list of text parts.
    static func readMessages(_ f: RequestFields) throws(APIError) -> [ChatMessage] {
        guard let raw = f.raw("messages") else { throw .badRequest("'messages' is required", param: "messages") }
        guard case .array(let items) = raw, !items.isEmpty else {
            throw .badRequest("'messages' must be a non-empty list of messages", param: "messages")
        }
        var out: [ChatMessage] = []
        for (i, item) in items.enumerated() {
            guard case .object = item else { throw .badRequest("messages[\(i)] must be an object", param: "messages") }
            let m = try RequestFields(item)
            guard let role = try m.string("role") else { throw .badRequest("messages[\(i)].role is required", param: "messages") }
            out.append(ChatMessage(role: role, content: try content(m.raw("content"), index: i)))
        }
        return out
    }

    private static func content(_ value: JSONValue?, index i: Int) throws(APIError) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let parts)?:
            // vLLM joins text parts with newlines.
            var texts: [String] = []
            for part in parts {
                guard case .object(let o) = part, o["type"] == .string("text"), case .string(let t)? = o["text"] else {
                    throw .badRequest("messages[\(i)].content: only text parts ({\"type\":\"text\",\"text\":...}) are supported", param: "messages")
                }
                texts.append(t)
            }
            return texts.joined(separator: "\n")
        case let other?:
            throw .badRequest("messages[\(i)].content must be a string or a list of text parts, got \(other.typeName)", param: "messages")
        }
    }
}
