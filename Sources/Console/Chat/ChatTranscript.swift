import Foundation

/// A conversation as saved by `:w FILE.json` / `:w FILE.md` (or ctrl-o into the state
/// directory): the target, the settings and every turn with its reply stats.
public struct ChatTranscript: Sendable, Equatable, Codable {
    public var target: String
    public var savedAt: String
    public var settings: ChatSettings
    public var messages: [ChatTurn]

    enum CodingKeys: String, CodingKey {
        case target, savedAt = "saved_at", settings, messages
    }

    public init(target: String, savedAt: Date, settings: ChatSettings, turns: [ChatTurn]) {
        self.target = target
        let formatter = ISO8601DateFormatter()
        self.savedAt = formatter.string(from: savedAt)
        self.settings = settings
        let system = settings.systemPrompt.isEmpty ? [] : [ChatTurn(role: "system", content: settings.systemPrompt)]
        messages = system + turns
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public func markdown() -> String {
        var out = "# Chat with \(target)\n\n"
        out += "Saved \(savedAt) · temperature \(ChatTranscript.number(settings.temperature)) · max tokens \(settings.maxTokens)\n"
        for turn in messages {
            out += "\n## \(turn.role)\n\n\(turn.content)\n"
            if let s = turn.stats { out += "\n_\(ChatTranscript.summary(s))_\n" }
        }
        return out
    }

    /// "TTFT 0.25 s · 12.5 tok/s · 8 tokens · stop"
    static func summary(_ s: ChatReplyStats) -> String {
        var parts: [String] = []
        if let t = s.ttft { parts.append("TTFT \(String(format: "%.2f", t)) s") }
        if let r = s.tokensPerSecond { parts.append("\(String(format: "%.1f", r)) tok/s") }
        parts.append("\(s.completionTokens) tokens")
        if let f = s.finishReason { parts.append(f == "abort" ? "cancelled" : f) }
        return parts.joined(separator: " · ")
    }

    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Writes JSON for a `.json` path, Markdown otherwise; creates the directory.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = url.pathExtension.lowercased() == "json" ? try json() : Data(markdown().utf8)
        try data.write(to: url, options: .atomic)
    }
}
