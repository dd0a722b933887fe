import Engine
import YAML

/// The response bodies and stream chunks of one generation, in the shapes vLLM writes
/// (vllm/entrypoints/openai/protocol.py): `chat.completion` / `chat.completion.chunk` for chat,
/// `text_completion` for completions.
struct CompletionJSON {
    let plan: GenerationPlan
    let id: String
    let created: Int
    let tokenizer: Tokenizer

    // MARK: Whole responses

    func response(text: String, logprobs: LogprobsJSON?, finish: GenerationEvent.Finish) -> JSONValue {
        let choice: JSONObject
        switch plan.api {
        case .chat:
            choice = [
                "index": 0,
                "message": .object(["role": "assistant", "content": .string(text), "tool_calls": []]),
                "logprobs": logprobs?.json ?? .null,
                "finish_reason": .string(finish.reason.rawValue),
                "stop_reason": stopReason(finish),
            ]
        case .completion:
            choice = [
                "index": 0,
                "text": .string(plan.echo ? plan.promptText + text : text),
                "logprobs": logprobs?.json ?? .null,
                "finish_reason": .string(finish.reason.rawValue),
                "stop_reason": stopReason(finish),
            ]
        }
        var body = header(object: plan.api == .chat ? "chat.completion" : "text_completion")
        body["choices"] = .array([.object(choice)])
        body["usage"] = usage(finish.usage)
        return .object(body)
    }

    // MARK: Stream chunks

    /// Chat's first chunk: the assistant's role and empty content (vLLM and OpenAI send it first).
    func roleChunk() -> JSONValue {
        chunk(choice: ["index": 0, "delta": .object(["role": "assistant", "content": ""]), "logprobs": .null, "finish_reason": .null],
              usage: plan.continuousUsage ? Usage(promptTokens: plan.prompt.count, completionTokens: 0, cachedPromptTokens: 0) : nil)
    }

    /// A content chunk; `finish` is set on the last one.
    func contentChunk(text: String, logprobs: LogprobsJSON?, finish: GenerationEvent.Finish?, generated: Int) -> JSONValue {
        var choice: JSONObject = ["index": 0]
        switch plan.api {
        case .chat: choice["delta"] = .object(["content": .string(text)])
        case .completion: choice["text"] = .string(text)
        }
        choice["logprobs"] = logprobs?.json ?? .null
        choice["finish_reason"] = finish.map { .string($0.reason.rawValue) } ?? .null
        if plan.api == .completion || finish != nil { choice["stop_reason"] = finish.map(stopReason) ?? .null }
        let running = plan.continuousUsage
            ? (finish?.usage ?? Usage(promptTokens: plan.prompt.count, completionTokens: generated, cachedPromptTokens: 0)) : nil
        return chunk(choice: choice, usage: running)
    }

    /// The last chunk before `[DONE]` with `stream_options.include_usage`: no choices, the usage.
    func usageChunk(_ u: Usage) -> JSONValue {
        var body = header(object: chunkObject)
        body["choices"] = []
        body["usage"] = usage(u)
        return .object(body)
    }

    // MARK: Parts

    private var chunkObject: String { plan.api == .chat ? "chat.completion.chunk" : "text_completion" }

    private func chunk(choice: JSONObject, usage u: Usage?) -> JSONValue {
        var body = header(object: chunkObject)
        body["choices"] = .array([.object(choice)])
        if let u { body["usage"] = usage(u) }
        return .object(body)
    }

    private func header(object: String) -> JSONObject {
        ["id": .string(id), "object": .string(object), "created": .int(Int64(created)), "model": .string(plan.model)]
    }

    private func usage(_ u: Usage) -> JSONValue {
        .object(["prompt_tokens": .int(Int64(u.promptTokens)), "total_tokens": .int(Int64(u.totalTokens)),
                 "completion_tokens": .int(Int64(u.completionTokens)), "prompt_tokens_details": .null])
    }

    /// vLLM's `stop_reason`: the stop string, or the id of a `stop_token_ids` token; null for
    /// end-of-sequence tokens and lengths.
    private func stopReason(_ finish: GenerationEvent.Finish) -> JSONValue {
        switch finish.stopReason {
        case .string(let s)?: return .string(s)
        case .token(let t)? where plan.sampling.stopTokenIDs.contains(t): return .int(Int64(t))
        default: return .null
        }
    }
}
