import YAML
/// Server-sent events as vLLM and OpenAI frame a stream (reference §2.2): each chunk is one
/// `data: <json>` line and a blank line, no `event:` lines, and the stream ends with `data: [DONE]`.
enum ServerSentEvents {
    static let contentType = "text/event-stream; charset=utf-8"

    static func frame(_ json: JSONValue) -> String {
        "data: " + json.jsonString() + "\n\n"
    }

    static let done = "data: [DONE]\n\n"

    /// An error during a stream: the error object as a chunk, then `[DONE]`.
    static func errorFrames(_ error: APIError) -> String {
        frame(error.json) + done
    }
}
