import Engine
import YAML

/// Log-probabilities of generated tokens in the API's two shapes: chat's
/// `{"content":[{token, logprob, bytes, top_logprobs}]}` and the legacy completions'
/// `{text_offset, token_logprobs, tokens, top_logprobs}`.
struct LogprobsJSON {
    struct Entry {
        var token: TokenID
        var logprobs: TokenLogprobs
    }

    let api: GenerationAPI
    let tokenizer: Tokenizer
    private(set) var entries: [Entry] = []
    /// Completions' `text_offset` counts from where this part of the text starts.
    var textOffset = 0

    init(api: GenerationAPI, tokenizer: Tokenizer, textOffset: Int = 0) {
        self.api = api
        self.tokenizer = tokenizer
        self.textOffset = textOffset
    }

    mutating func append(tokens: [TokenID], logprobs: [TokenLogprobs]) {
        for (t, l) in zip(tokens, logprobs) { entries.append(Entry(token: t, logprobs: l)) }
    }

    var isEmpty: Bool { entries.isEmpty }

    var json: JSONValue {
        switch api {
        case .chat:
            return .object(["content": .array(entries.map { e in
                var o = tokenObject(e.token, e.logprobs.chosen)
                o["top_logprobs"] = .array(e.logprobs.top.map { .object(tokenObject($0.token, $0.logprob)) })
                return .object(o)
            })])
        case .completion:
            var offsets: [JSONValue] = []
            var offset = textOffset
            for e in entries {
                offsets.append(.int(Int64(offset)))
                offset += text(of: e.token).count
            }
            return .object([
                "text_offset": .array(offsets),
                "token_logprobs": .array(entries.map { Self.logprob($0.logprobs.chosen) }),
                "tokens": .array(entries.map { .string(text(of: $0.token)) }),
                "top_logprobs": .array(entries.map { e in
                    var top = JSONObject()
                    for alt in e.logprobs.top { top[text(of: alt.token)] = Self.logprob(alt.logprob) }
                    if top[text(of: e.token)] == nil { top[text(of: e.token)] = Self.logprob(e.logprobs.chosen) }
                    return .object(top)
                }),
            ])
        }
    }

    /// The sum of `text(of:)` lengths, for the next part's `text_offset`.
    var textLength: Int { entries.reduce(0) { $0 + text(of: $1.token).count } }

    private func tokenObject(_ token: TokenID, _ logprob: Float) -> JSONObject {
        ["token": .string(text(of: token)), "logprob": Self.logprob(logprob),
         "bytes": .array(tokenizer.piece(Int(token)).map { .int(Int64($0)) })]
    }

    /// A logprob as vLLM writes it: through the Float's shortest decimal text (so -0.1 is
    /// "-0.1", not "-0.10000000149011612"), and -9999.0 for -inf (JSON has no infinity).
    static func logprob(_ f: Float) -> JSONValue {
        guard f.isFinite else { return f.isNaN ? .null : .double(f < 0 ? -9999.0 : 9999.0) }
        return .double(Double(String(f)) ?? Double(f))
    }

    /// A token's text; a piece that is not whole UTF-8 (part of a character) is written as
    /// vLLM writes it, `bytes:\xe2\x80`.
    func text(of token: TokenID) -> String {
        let bytes = tokenizer.piece(Int(token))
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return "bytes:" + bytes.map { "\\x" + (($0 < 16) ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
