import Foundation

/// The text side of a Hugging Face model directory: `tokenizer.json` (required), and the files
/// that refine it: `tokenizer_config.json` (bos/eos tokens, `add_bos_token`, `chat_template`),
/// `chat_template.jinja` (newer transformers keep the template there; it wins), and
/// `generation_config.json` (the eos ids generation stops at).
struct HuggingFaceTextFiles {
    var tokenizer: Tokenizer
    var chatTemplate: String?

    init(directory: String, checkpointBOS: Int?, checkpointEOS: [Int]) throws(ModelLoadError) {
        let dir = URL(fileURLWithPath: directory)
        let tokenizerPath = dir.appendingPathComponent("tokenizer.json").path
        guard FileManager.default.fileExists(atPath: tokenizerPath) else {
            throw ModelLoadError(path: tokenizerPath, "missing: kvdeck needs the model's tokenizer.json (byte-level BPE)")
        }
        var tok = try Tokenizer(huggingFaceFile: tokenizerPath)

        let configPath = dir.appendingPathComponent("tokenizer_config.json").path
        let tc = try Self.optionalJSON(configPath) ?? [:]
        let gen = try Self.optionalJSON(dir.appendingPathComponent("generation_config.json").path) ?? [:]

        /// `"<|im_end|>"` or `{"content": "<|im_end|>", ...}` → its id.
        func tokenID(_ v: Any?) -> Int? {
            let text = v as? String ?? (v as? [String: Any])?["content"] as? String
            return text.flatMap { tok.id(ofToken: $0) }
        }
        let genEOS = HuggingFaceConfig.ids(gen["eos_token_id"])
        tok.eosTokenID = tokenID(tc["eos_token"]) ?? genEOS.first ?? checkpointEOS.first
        tok.bosTokenID = tokenID(tc["bos_token"]) ?? tok.bosTokenID ?? (gen["bos_token_id"] as? Int) ?? checkpointBOS
        if let add = tc["add_bos_token"] as? Bool { tok.addsBOS = add }
        tok.endOfGenerationTokenIDs.formUnion(genEOS + checkpointEOS + [tok.eosTokenID].compactMap { $0 })
        tokenizer = tok

        let jinjaPath = dir.appendingPathComponent("chat_template.jinja").path
        if FileManager.default.fileExists(atPath: jinjaPath) {
            do { chatTemplate = try String(contentsOfFile: jinjaPath, encoding: .utf8) } catch {
                throw ModelLoadError(path: jinjaPath, "cannot read: \(error.localizedDescription)")
            }
        } else if let t = tc["chat_template"] as? String {
            chatTemplate = t
        } else if let named = tc["chat_template"] as? [[String: Any]] {
            // A list of {name, template}: the one named "default", as transformers picks.
            let d = named.first { $0["name"] as? String == "default" } ?? named.first
            chatTemplate = d?["template"] as? String
        }
    }

    private static func optionalJSON(_ path: String) throws(ModelLoadError) -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelLoadError(path: path, "cannot read: \(error.localizedDescription)")
        }
        return try JSONObject(data, path: path)
    }
}
