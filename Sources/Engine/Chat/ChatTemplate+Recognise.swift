extension ChatTemplate {
    /// The format a model's Jinja chat template renders (from GGUF `tokenizer.chat_template`, or
    /// tokenizer_config.json / chat_template.jinja), recognised by the markers it writes. With no
    /// template, the vocabulary decides: `<|im_start|>` means ChatML, `<|start_header_id|>` Llama 3.
    public static func recognise(template: String?, tokenizer: Tokenizer?) throws(ChatTemplateError) -> ChatTemplate {
        guard let template, !template.isEmpty else {
            if tokenizer?.id(ofToken: "<|im_start|>") != nil { return .chatML(defaultSystemPrompt: nil) }
            if tokenizer?.id(ofToken: "<|start_header_id|>") != nil { return .llama3 }
            throw .missing
        }
        if template.contains("<|im_start|>") {
            return .chatML(defaultSystemPrompt: chatMLDefaultSystemPrompt(in: template))
        }
        if template.contains("<|start_header_id|>"), template.contains("<|eot_id|>") {
            guard template.contains("Cutting Knowledge Date") else { return .llama3 }
            // 3.2 and later take today's date when the renderer offers strftime_now (vLLM and
            // transformers do); 3.1 always writes its fixed default.
            let always = !template.contains("if system_message")
            if template.contains("strftime_now") { return .llama31(dateString: nil, systemTurnAlways: always) }
            return .llama31(dateString: jinjaAssignment("date_string", in: template) ?? "26 Jul 2024", systemTurnAlways: always)
        }
        throw .unrecognised(templateStart: String(template.prefix(80)))
    }

    /// The system prompt a ChatML template writes when the conversation has none: the literal
    /// `'<|im_start|>system\n…<|im_end|>` in the template (SmolLM2, Qwen2, Qwen2.5). A system
    /// turn built from `messages[0]` breaks the literal with a quote and is not a default.
    static func chatMLDefaultSystemPrompt(in template: String) -> String? {
        let opener = "<|im_start|>system"
        var search = template[...]
        while let r = search.range(of: opener) {
            search = search[r.upperBound...]
            var body = search
            if body.hasPrefix("\\n") { body = body.dropFirst(2) } else if body.hasPrefix("\n") { body = body.dropFirst() } else { continue }
            guard let end = body.range(of: "<|im_end|>") else { return nil }
            if let text = unescapedLiteralBody(body[..<end.lowerBound]) { return text }
        }
        return nil
    }

    /// The text of a stretch inside one Jinja string literal, escapes resolved; nil if the stretch
    /// leaves the literal (an unescaped quote or a Jinja delimiter).
    private static func unescapedLiteralBody(_ s: Substring) -> String? {
        var out = ""
        var escaped = false
        for ch in s {
            if escaped {
                switch ch {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(ch)
                }
                escaped = false
                continue
            }
            switch ch {
            case "\\": escaped = true
            case "'", "\"", "{", "}": return nil
            default: out.append(ch)
            }
        }
        return escaped ? nil : out
    }

    /// `set NAME = "VALUE"` in a template, for defaults such as Llama 3.1's date_string.
    private static func jinjaAssignment(_ name: String, in template: String) -> String? {
        for quote in ["\"", "'"] {
            let key = "set \(name) = \(quote)"
            guard let r = template.range(of: key) else { continue }
            let rest = template[r.upperBound...]
            guard let end = rest.firstIndex(of: Character(quote)) else { continue }
            return String(rest[..<end])
        }
        return nil
    }
}
