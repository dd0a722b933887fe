import Foundation

/// Everything the engine needs from a model on disk, from either a `.gguf` file or a Hugging Face
/// directory (config.json, safetensors, tokenizer.json): configuration, weights, tokenizer and the
/// chat format.
public struct ModelFiles: Sendable {
    public enum Format: String, Sendable { case gguf, huggingFace }

    public let path: String
    public let format: Format
    public let weights: any ModelWeights
    public let tokenizer: Tokenizer
    /// The chat format, or why none could be chosen (a base model may have none: completions
    /// still work, the chat pane shows the error).
    public let chatTemplate: Result<ChatTemplate, ChatTemplateError>
    /// The model's own Jinja template text, if it has one (for display).
    public let chatTemplateText: String?

    public var config: ModelConfig { weights.config }

    /// Opens `path`: a directory is read as a Hugging Face checkpoint, a file as GGUF.
    ///
    /// - Parameters:
    ///   - chatTemplate: a format forced by the user (`ChatTemplate.named`), used instead of the
    ///     model's own.
    ///   - ggufWeights: builds `ModelWeights` over a parsed GGUF file (`GGUFModel` unless a test
    ///     says otherwise); the tokenizer and chat template of a GGUF are read here (`ModelFiles.ggufText`).
    public static func open(path: String, chatTemplate forced: ChatTemplate? = nil,
                            ggufWeights: (GGUFFile) throws(ModelLoadError) -> any ModelWeights = { file throws(ModelLoadError) in try GGUFModel(file: file) })
        throws(ModelLoadError) -> ModelFiles {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelLoadError(path: path, "no such file or directory")
        }
        if isDirectory.boolValue {
            let weights = try HuggingFaceCheckpoint(directory: path)
            let text = try HuggingFaceTextFiles(directory: path, checkpointBOS: weights.bosTokenID,
                                                checkpointEOS: weights.eosTokenIDs)
            try checkVocabulary(text.tokenizer, fits: weights, path: path)
            return ModelFiles(path: path, format: .huggingFace, weights: weights, tokenizer: text.tokenizer,
                              forced: forced, templateText: text.chatTemplate)
        }
        let gguf = try GGUFFile(path: path)
        let (tokenizer, templateText) = try ggufText(gguf)
        let weights = try ggufWeights(gguf)
        try checkVocabulary(tokenizer, fits: weights, path: path)
        return ModelFiles(path: path, format: .gguf, weights: weights, tokenizer: tokenizer,
                          forced: forced, templateText: templateText)
    }

    /// Every id the tokenizer can produce must have an embedding row (the model's table may be
    /// larger: Qwen pads it to a multiple of 128).
    private static func checkVocabulary(_ t: Tokenizer, fits w: any ModelWeights, path: String) throws(ModelLoadError) {
        guard t.vocabularySize <= w.config.vocabSize else {
            throw ModelLoadError(path: path, "the tokenizer has \(t.vocabularySize) tokens but the model's embedding only \(w.config.vocabSize)")
        }
    }

    /// The tokenizer and chat template text a GGUF file carries in its metadata.
    public static func ggufText(_ gguf: GGUFFile) throws(ModelLoadError) -> (Tokenizer, chatTemplate: String?) {
        (try Tokenizer(gguf: gguf), gguf.metadata["tokenizer.chat_template"]?.stringValue)
    }

    private init(path: String, format: Format, weights: any ModelWeights, tokenizer: Tokenizer,
                 forced: ChatTemplate?, templateText: String?) {
        self.path = path
        self.format = format
        self.weights = weights
        self.tokenizer = tokenizer
        self.chatTemplateText = templateText
        if let forced {
            chatTemplate = .success(forced)
        } else {
            chatTemplate = Result { () throws(ChatTemplateError) -> ChatTemplate in
                try ChatTemplate.recognise(template: templateText, tokenizer: tokenizer)
            }
        }
    }
}
