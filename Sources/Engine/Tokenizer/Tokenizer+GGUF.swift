extension Tokenizer {
    /// Texts of control tokens that end a turn. llama.cpp adds these to its end-of-generation set
    /// whatever the metadata says, because converters often record only one eos id.
    static let endOfTurnTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>",
    ]

    /// The tokenizer a GGUF file carries in its metadata (`tokenizer.ggml.*`). Only byte-level BPE
    /// (`tokenizer.ggml.model` = gpt2) is supported.
    public init(gguf: GGUFFile) throws(ModelLoadError) {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw ModelLoadError(path: gguf.path, "tokenizer model \(model) is not supported (only byte-level BPE, gpt2, is)")
        }
        let preName = gguf.metadata["tokenizer.ggml.pre"]?.stringValue ?? "default"
        guard let pre = PreTokenizer.named(ggufPre: preName) else {
            throw ModelLoadError(path: gguf.path, "pre-tokenizer \(preName) is not supported (gpt2, smollm, qwen2, llama-bpe and their aliases are)")
        }
        let texts = try gguf.strings("tokenizer.ggml.tokens")
        var types = [Int](repeating: Int(TokenKind.normal.rawValue), count: texts.count)
        if gguf.metadata["tokenizer.ggml.token_type"] != nil {
            types = try gguf.ints("tokenizer.ggml.token_type")
            guard types.count == texts.count else {
                throw ModelLoadError(path: gguf.path, "tokenizer.ggml.token_type has \(types.count) entries for \(texts.count) tokens")
            }
        }
        var entries: [TokenizerDefinition.Entry?] = []
        entries.reserveCapacity(texts.count)
        for (text, t) in zip(texts, types) {
            let kind = TokenKind(rawValue: UInt8(clamping: t)) ?? .normal
            entries.append(.init(text: text, kind: kind))
        }
        var merges: [(String, String)] = []
        let rawMerges = try gguf.strings("tokenizer.ggml.merges")
        merges.reserveCapacity(rawMerges.count)
        for (i, m) in rawMerges.enumerated() {
            // Split at the first space after the first character (a token never holds a raw space
            // in a byte-level vocabulary, but this is where llama.cpp splits too).
            guard let space = m.unicodeScalars.dropFirst().firstIndex(of: " ") else {
                throw ModelLoadError(path: gguf.path, "tokenizer.ggml.merges[\(i)] is not two tokens separated by a space")
            }
            merges.append((String(m.unicodeScalars[..<space]), String(m.unicodeScalars[m.unicodeScalars.index(after: space)...])))
        }

        func optionalID(_ key: String) -> Int? {
            guard let v = gguf.metadata[key]?.intValue, v >= 0, v < texts.count else { return nil }
            return v
        }
        let definition = TokenizerDefinition(
            tokens: entries, merges: merges, preTokenizer: pre,
            // GGUF does not record the normaliser; Qwen2's tokenizer.json asks for NFC.
            normalizesNFC: pre == .qwen2,
            // HF's Llama 3 tokenizer.json sets ignore_merges, and llama.cpp follows it for llama-bpe.
            ignoreMerges: pre == .llama3,
            unknownID: optionalID("tokenizer.ggml.unknown_token_id"))
        let tables = try TokenizerTables(definition, source: gguf.path)

        let bos = optionalID("tokenizer.ggml.bos_token_id")
        let eos = optionalID("tokenizer.ggml.eos_token_id")
        var eog = Set([eos, optionalID("tokenizer.ggml.eot_token_id"), optionalID("tokenizer.ggml.eom_token_id")].compactMap { $0 })
        for (id, e) in entries.enumerated() {
            if let e, e.kind == .control, Self.endOfTurnTexts.contains(e.text) { eog.insert(id) }
        }
        let addsBOS = gguf.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? false
        self.init(tables: tables, bos: bos, eos: eos, addsBOS: addsBOS, endOfGeneration: eog)
    }
}
