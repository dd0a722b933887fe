/// A `Warning:` header the server attached to a response (deprecated APIs, unknown fields with
/// fieldValidation=Warn, ...): shown to the person, never fatal.
public struct APIWarning: Sendable, Equatable, CustomStringConvertible {
    /// 299 for every warning the apiserver sends.
    public var code: Int
    public var agent: String
    public var text: String
    /// The request it answered, e.g. "POST /api/v1/namespaces/x/configmaps".
    public var request: String

    public init(code: Int, agent: String, text: String, request: String) {
        self.code = code
        self.agent = agent
        self.text = text
        self.request = request
    }

    public var description: String { "Warning: \(text)" }

    /// Parses RFC 7234 warning values: `299 - "text"`, several separated by commas when the
    /// transport folded repeated headers into one. Malformed pieces are kept as plain text.
    static func parse(_ header: String, request: String) -> [APIWarning] {
        var warnings: [APIWarning] = []
        var rest = Substring(header)
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            if rest.isEmpty { break }
            let codeText = rest.prefix { $0.isNumber }
            rest = rest.dropFirst(codeText.count).drop { $0 == " " }
            let agent = rest.prefix { $0 != " " && $0 != "\"" }
            rest = rest.dropFirst(agent.count).drop { $0 == " " }
            guard let code = Int(codeText), rest.first == "\"" else {
                // Not the expected shape: keep the remainder verbatim rather than lose it.
                warnings.append(APIWarning(code: Int(codeText) ?? 299, agent: String(agent),
                                           text: String(rest.isEmpty ? agent : rest), request: request))
                break
            }
            rest = rest.dropFirst()
            var text = ""
            var escaped = false
            while let ch = rest.first {
                rest = rest.dropFirst()
                if escaped { text.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { break } else { text.append(ch) }
            }
            warnings.append(APIWarning(code: code, agent: String(agent), text: text, request: request))
            // An optional quoted date may follow before the next comma.
            rest = rest.drop { $0 == " " }
            if rest.first == "\"" {
                rest = rest.dropFirst()
                rest = rest.drop { $0 != "\"" }.dropFirst()
            }
        }
        return warnings
    }
}
