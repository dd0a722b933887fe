import Engine
import EngineServer

/// A prompt as the engine commands take it: raw text (`--prompt`, `tokenize TEXT`) or chat
/// messages (`--messages`, `tokenize --chat`). Token ids are made exactly as the server makes
/// them, so the command line shows what a client of `kvdeck serve` would get.
enum PromptInput {
    /// Encoded as `/v1/completions` does: special tokens written in the text are matched, and
    /// BOS is prepended when the tokenizer asks for one.
    case text(String)
    /// Rendered with the model's chat format (or the forced one) with the assistant's turn
    /// opened, then encoded as `/v1/chat/completions` does: the template writes any BOS itself.
    case messages([ChatMessage])

    /// The text the tokenizer reads and its ids.
    func encode(with model: LoadedModel) throws(PromptInputError) -> (text: String, ids: [TokenID]) {
        switch self {
        case .text(let text):
            return (text, model.tokenizer.encode(text, addSpecialTokens: true, parseSpecial: true).map { TokenID($0) })
        case .messages(let messages):
            let template: ChatTemplate
            switch model.chatTemplate {
            case .success(let t): template = t
            case .failure(let e): throw PromptInputError(description: "this model cannot chat: \(e); pass --chat-template, or give raw text")
            }
            let text = template.render(messages, addGenerationPrompt: true)
            return (text, model.tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true).map { TokenID($0) })
        }
    }
}

struct PromptInputError: Error, CustomStringConvertible {
    let description: String
}
