import Foundation
import Terminal

/// The chat pane: a conversation with the local engine or a workload, streamed as it is
/// generated. Header: target, temperature, max tokens, system prompt; then the reply's TTFT,
/// tokens/s and KV blocks; the transcript, wrapped and following its end; an input line.
@MainActor
public final class ChatScreen: KeyCapturingScreen {
    public enum InputMode: Sendable, Equatable { case message, systemPrompt }

    public let id: ScreenID
    public let workloadKey: String?
    let conversations: ChatConversations
    /// Resolved on first draw or key (a workload needs the cluster's state to be found).
    public private(set) var exchange: ChatExchange?
    /// Why there is no conversation yet (workload not found, no cluster).
    public private(set) var problem: String?
    public internal(set) var input = LineEditor()
    public private(set) var mode = InputMode.message
    /// A one-line note in the pane: where a transcript was saved, a command's mistake.
    public private(set) var notice: (text: String, isError: Bool)?
    /// Lines scrolled back from the end (0 follows the newest text).
    var linesFromEnd = 0
    var noticeChanged = false
    let now: () -> Date

    public init(workloadKey: String?, conversations: ChatConversations, now: @escaping () -> Date = Date.init) {
        self.workloadKey = workloadKey
        self.conversations = conversations
        self.now = now
        id = .chat(workloadKey: workloadKey)
    }

    public var title: String { "chat(\(workloadKey ?? "local"))" }

    public var hints: [(key: String, action: String)] {
        [("enter", "send"), ("ctrl-c", "cancel"), ("^t", "temp"), ("^n", "max tokens"), ("^p", "system"),
         ("^o", "save"), ("esc", "back")]
    }

    public var keyHelp: [(key: String, action: String)] {
        [("enter", "send the message (or run a :command typed in the input)"),
         ("ctrl-c", "cancel the reply being generated (clears the input otherwise)"),
         ("left / right, home / end, backspace", "edit the input (ctrl-a/e/u/w as in readline)"),
         ("ctrl-t / ctrl-n", "next temperature / next max tokens"),
         ("ctrl-p", "edit the system prompt (enter sets it)"),
         ("ctrl-o", "save the transcript (Markdown and JSON) to the state directory"),
         ("ctrl-l", "new conversation"),
         ("up / down, PgUp / PgDn", "scroll the transcript"),
         (":w FILE.md | FILE.json", "save the transcript there"),
         (":system TEXT, :temp X, :max N, :clear", "settings from the input line"),
         ("esc", "back (a reply in progress is cancelled)")]
    }

    public var needsRedraw: Bool { (exchange?.changed ?? false) || noticeChanged }

    /// Finds the conversation once the state can say which workload it is.
    @discardableResult
    func resolve(_ state: ClusterState) -> ChatExchange? {
        if let exchange { return exchange }
        switch conversations.exchange(workloadKey: workloadKey, state: state) {
        case let .success(e):
            exchange = e
            problem = nil
        case let .failure(error):
            problem = error.message
        }
        return exchange
    }

    // MARK: Keys

    public func capturesKey(_ key: Key) -> Bool {
        switch key {
        case .ctrl("c"):
            // Cancels a reply or clears the input; with neither, ctrl-c is the console's (quit).
            return exchange?.isGenerating == true || !input.text.isEmpty || mode != .message
        case .character("?"):
            return !input.text.isEmpty || mode != .message
        case .resize:
            return false
        default:
            return true
        }
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        resolve(state)
        setNotice(nil)
        switch key {
        case .ctrl("c"):
            if exchange?.isGenerating == true {
                exchange?.cancel()
            } else {
                input.replace(with: "")
                mode = .message
            }
        case .escape:
            if mode == .systemPrompt {
                mode = .message
                input.replace(with: "")
                return .none
            }
            return .pop
        case .enter: return submit()
        case .ctrl("t"): changeSettings { $0.temperature = ChatScreen.next(after: $0.temperature, in: ChatScreen.temperatures) }
        case .ctrl("n"): changeSettings { $0.maxTokens = Int(ChatScreen.next(after: Double($0.maxTokens), in: ChatScreen.maxTokenSteps)) }
        case .ctrl("p"):
            guard let exchange else { break }
            mode = .systemPrompt
            input.replace(with: exchange.settings.systemPrompt)
        case .ctrl("o"): saveToStateDirectory()
        case .ctrl("l"): exchange?.clear()
        case .up: linesFromEnd += 1
        case .down: linesFromEnd = max(0, linesFromEnd - 1)
        case .pageUp: linesFromEnd += max(1, visibleRows - 1)
        case .pageDown: linesFromEnd = max(0, linesFromEnd - max(1, visibleRows - 1))
        default:
            _ = input.apply(key)
        }
        return .none
    }

    static let temperatures: [Double] = [0, 0.2, 0.5, 0.7, 1.0, 1.5]
    static let maxTokenSteps: [Double] = [64, 128, 256, 512, 1024, 2048]

    /// The next step above `value`, wrapping to the first.
    static func next(after value: Double, in steps: [Double]) -> Double {
        steps.first { $0 > value + 1e-9 } ?? steps[0]
    }

    private func changeSettings(_ change: (inout ChatSettings) -> Void) {
        guard let exchange else { return }
        change(&exchange.settings)
        exchange.changed = true
    }

    private func submit() -> ScreenAction {
        let text = input.text
        if mode == .systemPrompt {
            changeSettings { $0.systemPrompt = text }
            mode = .message
            input.replace(with: "")
            setNotice(("system prompt set", false))
            return .none
        }
        if text.hasPrefix(":") {
            input.replace(with: "")
            return runCommand(String(text.dropFirst()))
        }
        guard let exchange else { return .none }
        guard !exchange.isGenerating else {
            setNotice(("a reply is still coming: ctrl-c cancels it", true))
            return .none
        }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return .none }
        input.replace(with: "")
        linesFromEnd = 0
        exchange.send(text)
        return .none
    }

    func setNotice(_ notice: (text: String, isError: Bool)?) {
        if notice == nil && self.notice == nil { return }
        self.notice = notice
        noticeChanged = true
    }

    public func close() {
        exchange?.cancel()
    }
}
