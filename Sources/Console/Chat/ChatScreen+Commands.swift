import Foundation

/// The `:` lines typed in the chat's input: the pane keeps its own, since every key there is text.
extension ChatScreen {
    func runCommand(_ line: String) -> ScreenAction {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
        switch words.first ?? "" {
        case "w", "write", "save":
            if argument.isEmpty { saveToStateDirectory() } else { save(to: [ChatScreen.url(for: argument)]) }
        case "system":
            guard let exchange else { break }
            exchange.settings.systemPrompt = argument
            exchange.changed = true
            setNotice((argument.isEmpty ? "system prompt cleared" : "system prompt set", false))
        case "temp", "temperature":
            guard let value = Double(argument), (0...2).contains(value) else {
                setNotice(("temperature: a number from 0 to 2, e.g. :temp 0.7", true))
                break
            }
            exchange?.settings.temperature = value
            exchange?.changed = true
        case "max", "max_tokens":
            guard let value = Int(argument), value > 0 else {
                setNotice(("max tokens: a positive number, e.g. :max 512", true))
                break
            }
            exchange?.settings.maxTokens = value
            exchange?.changed = true
        case "clear", "new":
            exchange?.clear()
        case "q", "quit", "back":
            return .pop
        default:
            setNotice(("chat commands: :w FILE.md|FILE.json, :system TEXT, :temp X, :max N, :clear, :q (esc leaves)", true))
        }
        return .none
    }

    /// ctrl-o: Markdown and JSON side by side, named by the time, in the state directory.
    func saveToStateDirectory() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let base = conversations.saveDirectory.appendingPathComponent("chat-\(formatter.string(from: now()))")
        save(to: [base.appendingPathExtension("md"), base.appendingPathExtension("json")])
    }

    func save(to urls: [URL]) {
        guard let transcript = transcript() else {
            setNotice(("nothing to save yet", true))
            return
        }
        do {
            for url in urls { try transcript.write(to: url) }
            setNotice(("saved " + urls.map(\.path).joined(separator: " and "), false))
        } catch {
            setNotice(("cannot save: \(error.localizedDescription)", true))
        }
    }

    /// The conversation as it stands (a reply in progress is not included).
    public func transcript() -> ChatTranscript? {
        guard let exchange, !exchange.turns.isEmpty else { return nil }
        return ChatTranscript(target: exchange.backend.label, savedAt: now(), settings: exchange.settings, turns: exchange.turns)
    }

    /// A path as typed: `~` is the home directory, relative paths start from the working directory.
    static func url(for path: String) -> URL {
        var p = path
        if p.hasPrefix("~/") { p = NSHomeDirectory() + p.dropFirst() }
        if p.hasPrefix("/") { return URL(fileURLWithPath: p) }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(p)
    }
}
