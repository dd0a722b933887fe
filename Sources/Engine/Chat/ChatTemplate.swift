import Foundation  // Date formatting for Llama 3.1's "Today Date"

/// The chat formats kvdeck renders, each written out in Swift to give exactly what the model's
/// own Jinja template gives for plain system/user/assistant conversations (no tools, no images).
///
/// This is deliberately not a Jinja engine: the template text in a model's metadata is only read
/// to recognise which of these formats it is (`ChatTemplate.recognise`) and to pick up its
/// default system prompt. A template that is none of them is an error that says so; a caller
/// can then force a format by name (`ChatTemplate.named`).
public enum ChatTemplate: Sendable, Equatable {
    /// `<|im_start|>{role}\n{content}<|im_end|>\n` per turn (SmolLM2, Qwen2/2.5/3). When the first
    /// message is not a system message, `defaultSystemPrompt` (if any) is rendered as one.
    case chatML(defaultSystemPrompt: String?)
    /// Llama 3.0: `<|begin_of_text|>` then `<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>`
    /// with each content trimmed of surrounding whitespace.
    case llama3
    /// Llama 3.1/3.2/3.3: as `llama3`, opening with a system turn that states the knowledge
    /// cut-off and today's date (`dateString`, e.g. "26 Jul 2024"; nil means the current date,
    /// as the 3.2 template does with `strftime_now`). Meta's templates write that turn always;
    /// some derived ones only when the conversation has a system message (`systemTurnAlways` false).
    case llama31(dateString: String?, systemTurnAlways: Bool)

    /// The names `named(_:)` accepts.
    public static let names = ["chatml", "llama3", "llama3.1"]

    /// A format forced by name: `chatml` (no default system prompt), `llama3`, `llama3.1`.
    public static func named(_ name: String) throws(ChatTemplateError) -> ChatTemplate {
        switch name.lowercased() {
        case "chatml": return .chatML(defaultSystemPrompt: nil)
        case "llama3", "llama-3": return .llama3
        case "llama3.1", "llama-3.1", "llama3.2", "llama-3.2": return .llama31(dateString: nil, systemTurnAlways: true)
        default: throw ChatTemplateError.unknownName(name)
        }
    }

    /// The prompt text for `messages`; `addGenerationPrompt` opens the assistant's turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        switch self {
        case .chatML(let defaultSystem):
            if let defaultSystem, let first = messages.first, first.role != "system" {
                out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }

        case .llama3:
            out += "<|begin_of_text|>"
            for m in messages { out += Self.llama3Turn(m.role, m.content.jinjaTrimmed) }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }

        case .llama31(let date, let always):
            out += "<|begin_of_text|>"
            var rest = messages[...]
            var system: String?
            if let first = rest.first, first.role == "system" {
                system = first.content.jinjaTrimmed
                rest = rest.dropFirst()
            }
            // The derived templates test `if system_message`, so an empty one is no turn either.
            if always || !(system ?? "").isEmpty {
                let today = date ?? Self.today()
                out += Self.llama3Turn("system", "Cutting Knowledge Date: December 2023\nToday Date: \(today)\n\n\(system ?? "")")
            }
            for m in rest { out += Self.llama3Turn(m.role, m.content.jinjaTrimmed) }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        }
        return out
    }

    private static func llama3Turn(_ role: String, _ content: String) -> String {
        "<|start_header_id|>\(role)<|end_header_id|>\n\n\(content)<|eot_id|>"
    }

    /// `strftime("%d %b %Y")` in the C locale, UTC.
    static func today(_ now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.day, .month, .year], from: now)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = c.day ?? 1
        return (day < 10 ? "0" : "") + "\(day) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970)"
    }
}

/// Why no chat format could be chosen.
public enum ChatTemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model's template is not one kvdeck renders; carries its opening for the message.
    case unrecognised(templateStart: String)
    /// The model has no chat template and its vocabulary suggests none.
    case missing
    case unknownName(String)

    public var description: String {
        let force = "force one by name (\(ChatTemplate.names.joined(separator: ", ")))"
        switch self {
        case .unrecognised(let start):
            return "the model's chat template is not one kvdeck renders (ChatML, Llama 3; kvdeck has no Jinja engine): it begins \(start.debugDescription); \(force)"
        case .missing:
            return "the model has no chat template; \(force)"
        case .unknownName(let name):
            return "unknown chat template name \(name.debugDescription); the names are \(ChatTemplate.names.joined(separator: ", "))"
        }
    }
}

private extension String {
    /// Jinja's `trim` filter (Python `str.strip()`): surrounding whitespace removed.
    var jinjaTrimmed: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
