import Foundation

/// One message of a chat as the pane keeps it and sends it ("system", "user", "assistant").
public struct ChatTurn: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    /// How an assistant reply went (nil for the user's turns).
    public var stats: ChatReplyStats?

    public init(role: String, content: String, stats: ChatReplyStats? = nil) {
        self.role = role
        self.content = content
        self.stats = stats
    }
}

/// What the pane's header lets the user change; sent with every request.
public struct ChatSettings: Sendable, Equatable, Codable {
    public var systemPrompt: String
    public var temperature: Double
    public var maxTokens: Int

    public init(systemPrompt: String = "You are a helpful assistant.", temperature: Double = 0.7, maxTokens: Int = 256) {
        self.systemPrompt = systemPrompt
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    enum CodingKeys: String, CodingKey {
        case systemPrompt = "system_prompt", temperature, maxTokens = "max_tokens"
    }
}

/// What a backend reports while it answers, in order: any `status` lines (model loading, the
/// route it found), text as it is generated, KV figures when it knows them, then one `finished`.
public enum ChatEvent: Sendable, Equatable {
    case status(String)
    /// New text and the number of tokens it carried (0 when the backend cannot tell).
    case text(String, tokens: Int)
    /// The engine's KV cache: blocks in use of all (the local engine only).
    case kvBlocks(used: Int, total: Int)
    case finished(ChatFinish)
}

public struct ChatFinish: Sendable, Equatable {
    /// "stop", "length", or "abort".
    public var reason: String
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(reason: String, promptTokens: Int? = nil, completionTokens: Int? = nil) {
        self.reason = reason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// Where the KV figure in the header comes from, so the pane can say how much it knows.
public enum ChatKVSource: Sendable, Equatable {
    /// The engine's own block pool (in process).
    case engine
    /// Only what the API's `usage` tells: tokens, not blocks.
    case usageOnly
}

/// Something that answers a conversation: the in-process engine, or a workload through the API
/// server's proxy. Cancelling the task that reads the stream (or dropping the stream) stops the
/// generation; the backend frees what it holds (the engine aborts the request, the HTTP
/// stream closes).
public protocol ChatBackend: Sendable {
    /// What the header shows as the target ("local SmolLM2-135M-Instruct", "llm-prod/smollm2").
    var label: String { get }
    var kvSource: ChatKVSource { get }
    /// `messages` start with the system prompt when there is one.
    func send(_ messages: [ChatTurn], settings: ChatSettings) -> AsyncThrowingStream<ChatEvent, Error>
}

/// A failure a person can act on, shown in the pane as is.
public struct ChatBackendError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
