import Foundation
import Terminal

/// The line at the bottom while the user types a `:` command or a `/` filter: editing keys,
/// Tab completion and the greyed suggestion for commands, Up/Down through history.
public struct Prompt: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case command, filter
        var symbol: String { self == .command ? ":" : "/" }
    }

    /// What the prompt asks the session to do after a key.
    public enum Outcome: Sendable, Equatable {
        case editing
        case cancelled
        case submitted(String)
    }

    public let kind: Kind
    public private(set) var editor: LineEditor
    private var history: [String]
    /// Where Up/Down is in the history; nil while editing a new line.
    private var historyIndex: Int?

    public init(kind: Kind, text: String = "", history: [String]) {
        self.kind = kind
        editor = LineEditor(text)
        self.history = history
    }

    public var text: String { editor.text }

    public mutating func handle(_ key: Key, completions: (String) -> String) -> Outcome {
        switch key {
        case .escape: return .cancelled
        case .enter: return .submitted(editor.text.trimmingCharacters(in: .whitespaces))
        case .tab:
            if kind == .command { editor.replace(with: completions(editor.text)) }
        case .up:
            guard !history.isEmpty else { break }
            let i = max(0, (historyIndex ?? history.count) - 1)
            historyIndex = i
            editor.replace(with: history[i])
        case .down:
            guard let i = historyIndex else { break }
            if i + 1 < history.count {
                historyIndex = i + 1
                editor.replace(with: history[i + 1])
            } else {
                historyIndex = nil
                editor.replace(with: "")
            }
        case .backspace where editor.text.isEmpty:
            // Backspace on an empty line leaves the prompt, as k9s does.
            return .cancelled
        default:
            _ = editor.apply(key)
        }
        return .editing
    }

    /// Draws ":text" with the cursor and, for commands, the rest of the completion greyed.
    public func draw(into buffer: inout CellBuffer, y: Int, width: Int, theme: Theme, suggestion: String?) {
        buffer.fill(x: 0, y: y, width: width, height: 1, style: theme.prompt)
        var x = buffer.put(kind.symbol, x: 1, y: y, style: theme.prompt.adding(.bold)) + 1
        x += buffer.put(editor.text, x: x, y: y, style: theme.prompt, maxWidth: width - x - 1)
        if let suggestion, suggestion.hasPrefix(editor.text), suggestion.count > editor.text.count {
            buffer.put(String(suggestion.dropFirst(editor.text.count)), x: x, y: y, style: theme.promptSuggest, maxWidth: width - x - 1)
        }
        // The cursor: the cell under it in reverse video (curses' own cursor stays hidden).
        let cursorX = 2 + DisplayWidth.of(String(editor.text.prefix(editor.cursor)))
        buffer.restyle(x: cursorX, y: y, width: 1) { $0.attributes.insert(.reverse) }
    }
}

/// Past entries of the command bar and of the filter prompt, newest last, bounded.
public struct PromptHistory: Sendable, Equatable {
    public private(set) var commands: [String] = []
    public private(set) var filters: [String] = []
    static let limit = 50

    public init() {}

    public func entries(_ kind: Prompt.Kind) -> [String] { kind == .command ? commands : filters }

    public mutating func record(_ text: String, kind: Prompt.Kind) {
        guard !text.isEmpty else { return }
        func add(_ list: inout [String]) {
            list.removeAll { $0 == text }
            list.append(text)
            if list.count > PromptHistory.limit { list.removeFirst(list.count - PromptHistory.limit) }
        }
        if kind == .command { add(&commands) } else { add(&filters) }
    }
}
