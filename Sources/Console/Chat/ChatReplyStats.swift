import Foundation

/// How one reply went: latency to its first token, its decode rate, and its token counts.
/// Kept with the turn, so a saved transcript says what the user saw.
public struct ChatReplyStats: Sendable, Equatable, Codable {
    /// Seconds from sending to the first text.
    public var ttft: Double?
    /// Tokens after the first divided by the time since the first (vLLM's decode rate).
    public var tokensPerSecond: Double?
    public var promptTokens: Int?
    public var completionTokens: Int
    /// "stop", "length", "abort" (cancelled), or nil while generating.
    public var finishReason: String?

    public init(ttft: Double? = nil, tokensPerSecond: Double? = nil, promptTokens: Int? = nil,
                completionTokens: Int = 0, finishReason: String? = nil) {
        self.ttft = ttft
        self.tokensPerSecond = tokensPerSecond
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
    }

    enum CodingKeys: String, CodingKey {
        case ttft = "ttft_s", tokensPerSecond = "tokens_per_s", promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens", finishReason = "finish_reason"
    }
}

/// Times a reply as its events arrive; `now` is passed in so tests control the clock.
struct ReplyClock: Sendable, Equatable {
    var sentAt: Date
    var firstTextAt: Date?
    var lastTextAt: Date?
    var tokens = 0
    /// True once a delta said how many tokens it carried; otherwise each delta counts as one.
    var countedTokens = false

    init(sentAt: Date) { self.sentAt = sentAt }

    mutating func text(_ text: String, tokens n: Int, at now: Date) {
        if n > 0 { countedTokens = true }
        let added = n > 0 ? n : (text.isEmpty ? 0 : 1)
        guard added > 0 else { return }
        if firstTextAt == nil { firstTextAt = now }
        lastTextAt = now
        tokens += added
    }

    var ttft: Double? { firstTextAt.map { $0.timeIntervalSince(sentAt) } }

    var tokensPerSecond: Double? {
        guard let first = firstTextAt, let last = lastTextAt, tokens > 1 else { return nil }
        let seconds = last.timeIntervalSince(first)
        return seconds > 0 ? Double(tokens - 1) / seconds : nil
    }
}
