import Foundation

extension Tokenizer {
    /// A Hugging Face `tokenizer.json` of a byte-level BPE model. What is understood: `model`
    /// (BPE: `vocab`, `merges` as "a b" strings or [a, b] pairs, `ignore_merges`, `unk_token`),
    /// `added_tokens` (`special`, `lstrip`, `rstrip`), `normalizer` (none or NFC),
    /// `pre_tokenizer` (ByteLevel, Digits, Split by a known regex, or a Sequence of them),
    /// `decoder` (ByteLevel) and a `TemplateProcessing` post-processor that starts with BOS.
    /// Anything else is refused with a message naming it, rather than tokenizing differently.
    public init(huggingFaceFile path: String) throws(ModelLoadError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelLoadError(path: path, "cannot read: \(error.localizedDescription)")
        }
        try self.init(huggingFaceJSON: data, path: path)
    }

    public init(huggingFaceJSON data: Data, path: String) throws(ModelLoadError) {
        let j = try JSONObject(data, path: path)
        func fail(_ m: String) -> ModelLoadError { ModelLoadError(path: path, m) }

        guard let model = j["model"] as? [String: Any] else { throw fail("no \"model\" object") }
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw fail("tokenizer model \(type) is not supported (only byte-level BPE is)") }
        if model["byte_fallback"] as? Bool == true { throw fail("BPE with byte_fallback (SentencePiece-style) is not supported") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = model[key] as? String, !s.isEmpty { throw fail("BPE \(key) \"\(s)\" is not supported") }
        }
        guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab is missing") }
        let added = j["added_tokens"] as? [[String: Any]] ?? []

        var maxID = -1
        var byID: [Int: TokenizerDefinition.Entry] = [:]
        byID.reserveCapacity(vocab.count + added.count)
        for (text, v) in vocab {
            guard let id = v as? Int, id >= 0 else { throw fail("model.vocab[\(text)] is not a token id") }
            byID[id] = .init(text: text, kind: .normal)
            maxID = max(maxID, id)
        }
        for a in added {
            guard let id = a["id"] as? Int, id >= 0, let content = a["content"] as? String else {
                throw fail("an added_tokens entry has no id or content")
            }
            byID[id] = .init(text: content, kind: a["special"] as? Bool == true ? .control : .userDefined,
                             lstrip: a["lstrip"] as? Bool ?? false, rstrip: a["rstrip"] as? Bool ?? false)
            maxID = max(maxID, id)
        }
        guard maxID < 10_000_000 else { throw fail("token id \(maxID) is implausibly large") }
        var tokens = [TokenizerDefinition.Entry?](repeating: nil, count: maxID + 1)
        for (id, e) in byID { tokens[id] = e }

        var merges: [(String, String)] = []
        let rawMerges = model["merges"] as? [Any] ?? []
        merges.reserveCapacity(rawMerges.count)
        for (i, m) in rawMerges.enumerated() {
            if let s = m as? String, let space = s.unicodeScalars.dropFirst().firstIndex(of: " ") {
                merges.append((String(s.unicodeScalars[..<space]), String(s.unicodeScalars[s.unicodeScalars.index(after: space)...])))
            } else if let p = m as? [Any], p.count == 2, let a = p[0] as? String, let b = p[1] as? String {
                merges.append((a, b))
            } else {
                throw fail("model.merges[\(i)] is neither \"a b\" nor [a, b]")
            }
        }

        let nfc = try Self.normalizesNFC(j["normalizer"], fail: fail)
        let pre = try Self.preTokenizer(j["pre_tokenizer"], fail: fail)
        if let d = j["decoder"] as? [String: Any] {
            let types = (d["type"] as? String == "Sequence" ? (d["decoders"] as? [[String: Any]] ?? []) : [d]).map { $0["type"] as? String ?? "?" }
            guard types.contains("ByteLevel"), types.allSatisfy({ $0 == "ByteLevel" }) else {
                throw fail("decoder \(types.joined(separator: ", ")) is not supported (only ByteLevel is)")
            }
        }
        var unknownID: Int?
        if let unk = model["unk_token"] as? String { unknownID = vocab[unk] as? Int }

        let definition = TokenizerDefinition(tokens: tokens, merges: merges, preTokenizer: pre, normalizesNFC: nfc,
                                             ignoreMerges: model["ignore_merges"] as? Bool ?? false, unknownID: unknownID)
        let tables = try TokenizerTables(definition, source: path)
        let bos = Self.leadingSpecialToken(j["post_processor"], tables: tables)
        self.init(tables: tables, bos: bos, eos: nil, addsBOS: bos != nil,
                  endOfGeneration: Self.endOfTurnIDs(tables))
    }

    /// Control tokens whose text marks the end of a turn (see `endOfTurnTexts`).
    static func endOfTurnIDs(_ t: TokenizerTables) -> Set<Int> {
        Set(endOfTurnTexts.compactMap { text in t.specialIDs[text].flatMap { t.kinds[$0] == .control ? $0 : nil } })
    }

    private static func normalizesNFC(_ n: Any?, fail: (String) -> ModelLoadError) throws(ModelLoadError) -> Bool {
        guard let n = n as? [String: Any] else { return false }
        let list = n["type"] as? String == "Sequence" ? (n["normalizers"] as? [[String: Any]] ?? []) : [n]
        var nfc = false
        for step in list {
            let t = step["type"] as? String ?? "?"
            guard t == "NFC" else { throw fail("normalizer \(t) is not supported (only NFC is)") }
            nfc = true
        }
        return nfc
    }

    private static func preTokenizer(_ p: Any?, fail: (String) -> ModelLoadError) throws(ModelLoadError) -> PreTokenizer {
        guard let p = p as? [String: Any] else { throw fail("pre_tokenizer is missing (a byte-level BPE needs one)") }
        var steps: [PreTokenizer.Step] = []
        var prefixSpace = false
        var sawByteLevel = false
        let list = p["type"] as? String == "Sequence" ? (p["pretokenizers"] as? [[String: Any]] ?? []) : [p]
        for step in list {
            switch step["type"] as? String ?? "?" {
            case "ByteLevel":
                sawByteLevel = true
                if step["use_regex"] as? Bool ?? true { steps.append(.pattern(.gpt2)) }
                prefixSpace = step["add_prefix_space"] as? Bool ?? false
            case "Digits":
                steps.append(.isolateDigits(individually: step["individual_digits"] as? Bool ?? false))
            case "Split":
                // Isolated keeps each match as a piece; Removed with invert removes what does not
                // match, which for these patterns (they match everywhere) is the same thing (OLMo 2).
                let behavior = step["behavior"] as? String ?? "?"
                let invert = step["invert"] as? Bool ?? false
                guard (behavior == "Isolated" && !invert) || (behavior == "Removed" && invert) else {
                    throw fail("pre_tokenizer Split with behavior \(behavior)\(invert ? " (inverted)" : "") is not supported (Isolated is)")
                }
                let regex = (step["pattern"] as? [String: Any])?["Regex"] as? String ?? ""
                guard let known = PreTokenizer.SplitPattern.allCases.first(where: { $0.regex == regex }) else {
                    throw fail("pre_tokenizer Split regex is not one kvdeck implements (GPT-2, Qwen2, Llama 3): \(regex)")
                }
                steps.append(.pattern(known))
            case let other:
                throw fail("pre_tokenizer \(other) is not supported")
            }
        }
        guard sawByteLevel else { throw fail("pre_tokenizer has no ByteLevel step: not a byte-level BPE") }
        return PreTokenizer(steps: steps, addPrefixSpace: prefixSpace)
    }

    /// The BOS a `TemplateProcessing` post-processor puts first in a single sequence, if any.
    private static func leadingSpecialToken(_ p: Any?, tables: TokenizerTables) -> Int? {
        guard let p = p as? [String: Any] else { return nil }
        let list = p["type"] as? String == "Sequence" ? (p["processors"] as? [[String: Any]] ?? []) : [p]
        for step in list where step["type"] as? String == "TemplateProcessing" {
            guard let first = (step["single"] as? [[String: Any]])?.first,
                  let special = first["SpecialToken"] as? [String: Any],
                  let name = special["id"] as? String else { return nil }
            return tables.specialIDs[name]
        }
        return nil
    }
}

/// Parses JSON whose top level must be an object, naming the file when it is not.
func JSONObject(_ data: Data, path: String) throws(ModelLoadError) -> [String: Any] {
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
        throw ModelLoadError(path: path, "not valid JSON: \(error.localizedDescription)")
    }
    guard let object = parsed as? [String: Any] else { throw ModelLoadError(path: path, "the top level is not a JSON object") }
    return object
}
