import Foundation

/// One conversation with one backend: the turns so far, the reply being generated, and the task
/// that reads it. Lives on the main actor; the backend's stream is read in a task, so the UI
/// never waits on generation, and the screen draws from `conversation` as it stands.
@MainActor
public final class ChatExchange {
    public enum Phase: Sendable, Equatable {
        case idle
        /// Sent; nothing back yet (or a status line such as "loading model…").
        case waiting(String?)
        case streaming
        case failed(String)
    }

    public let backend: any ChatBackend
    public var settings: ChatSettings
    /// Finished turns, user and assistant, without the system prompt (it is in `settings`).
    public private(set) var turns: [ChatTurn] = []
    /// The assistant reply being generated.
    public private(set) var pending: ChatTurn?
    public private(set) var phase: Phase = .idle
    /// The last status a backend gave (the route it uses, the model it loaded).
    public private(set) var route: String?
    public private(set) var kvBlocks: (used: Int, total: Int)?
    /// Stats of the reply in progress, or of the last one.
    public private(set) var stats = ChatReplyStats()
    /// Set by every change; the console redraws and clears it.
    public var changed = false
    private var clock: ReplyClock?
    private var task: Task<Void, Never>?
    /// Counts replies, so a cancelled reply's task that ends late cannot touch the next one.
    private var replyNumber = 0
    private let now: () -> Date

    public init(backend: any ChatBackend, settings: ChatSettings = ChatSettings(), now: @escaping () -> Date = Date.init) {
        self.backend = backend
        self.settings = settings
        self.now = now
    }

    public var isGenerating: Bool { task != nil }

    /// What is sent: the system prompt, then every turn.
    var messages: [ChatTurn] {
        let system = settings.systemPrompt.trimmingCharacters(in: .whitespacesAndNewlines)
        let history = turns.map { ChatTurn(role: $0.role, content: $0.content) }
        return (system.isEmpty ? [] : [ChatTurn(role: "system", content: system)]) + history
    }

    /// Adds the user's message and starts the reply. Ignored while a reply is generating.
    public func send(_ text: String) {
        guard task == nil, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        turns.append(ChatTurn(role: "user", content: text))
        pending = ChatTurn(role: "assistant", content: "")
        clock = ReplyClock(sentAt: now())
        stats = ChatReplyStats()
        phase = .waiting(nil)
        changed = true
        replyNumber += 1
        let number = replyNumber
        let stream = backend.send(messages, settings: settings)
        task = Task { [weak self] in
            do {
                for try await event in stream {
                    guard let self, self.replyNumber == number else { return }
                    self.apply(event)
                }
                guard let self, self.replyNumber == number else { return }
                self.end(reason: nil, error: nil)
            } catch {
                guard let self, self.replyNumber == number else { return }
                self.end(reason: nil, error: error)
            }
        }
    }

    /// Ctrl-C: stops the reply; what arrived so far stays, marked as cut short.
    public func cancel() {
        guard let task else { return }
        task.cancel()
        replyNumber += 1
        end(reason: "abort", error: nil)
    }

    /// Starts over (the settings stay).
    public func clear() {
        cancel()
        turns = []
        pending = nil
        stats = ChatReplyStats()
        phase = .idle
        changed = true
    }

    private func apply(_ event: ChatEvent) {
        guard task != nil else { return }
        changed = true
        switch event {
        case let .status(text):
            route = text
            if case .waiting = phase { phase = .waiting(text) }
        case let .text(text, tokens):
            pending?.content += text
            clock?.text(text, tokens: tokens, at: now())
            if clock?.firstTextAt != nil { phase = .streaming }
            updateStats()
        case let .kvBlocks(used, total):
            kvBlocks = (used, total)
        case let .finished(finish):
            if let p = finish.promptTokens { stats.promptTokens = p }
            updateStats()
            // The usage's count is exact; chunks only approximate tokens.
            if let c = finish.completionTokens { stats.completionTokens = c }
            end(reason: finish.reason, error: nil)
        }
    }

    private func updateStats() {
        guard let clock else { return }
        stats.ttft = clock.ttft
        stats.tokensPerSecond = clock.tokensPerSecond
        stats.completionTokens = clock.tokens
    }

    /// Moves the pending reply into the turns. An error with no text shows in the pane instead.
    private func end(reason: String?, error: Error?) {
        guard pending != nil else { return }
        task = nil
        changed = true
        stats.finishReason = reason ?? stats.finishReason ?? (error == nil ? "stop" : "error")
        if var reply = pending, !reply.content.isEmpty || error == nil {
            reply.stats = stats
            turns.append(reply)
        }
        pending = nil
        clock = nil
        if let error {
            phase = .failed(ChatExchange.message(for: error))
        } else {
            phase = .idle
        }
    }

    static func message(for error: Error) -> String {
        if let e = error as? ChatBackendError { return e.message }
        return "\(error)"
    }
}
