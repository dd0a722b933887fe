import ArgumentParser
import Engine
import EngineServer
import Foundation

/// `kvdeck tokenize MODEL TEXT`: the token ids the engine sees for a text, made as the server
/// makes them (so a prompt can be checked against another tokenizer).
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids a model's tokenizer gives for a text.",
        discussion: """
        TEXT is encoded as raw text, as `kvdeck generate --prompt` and /v1/completions encode it \
        (BOS added when the model wants one; special tokens written in the text are read as such). \
        With --chat, TEXT is one user message rendered with the model's chat format, as \
        /v1/chat/completions renders it. TEXT `-` reads standard input as it is (a trailing \
        newline included).

        Output: the ids on one line, separated by spaces; with -o json, the ids, each token's \
        text (pieces; a piece that is part of a character shows U+FFFD), and the text encoded.
        """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: ArgumentHelp(ModelArgument.help))
    var model: String

    @Argument(help: "The text to tokenize, or - for standard input.")
    var text: String

    @Flag(help: "Treat TEXT as a user message and apply the model's chat format.")
    var chat = false

    @Option(help: "Force a chat format: \(ChatTemplate.names.joined(separator: ", ")). Default: recognised from the model.")
    var chatTemplate: String?

    @Option(name: [.short, .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    struct Report: Encodable {
        var ids: [TokenID]
        var pieces: [String]
        var text: String
    }

    func run() async throws {
        do {
            let raw = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
            let (loaded, _) = try LoadedEngineModel.open(model, chatTemplate: chatTemplate, threads: nil, command: "tokenize")
            let input: PromptInput = chat ? .messages([.user(raw)]) : .text(raw)
            let (encoded, ids) = try input.encode(with: loaded)
            switch output {
            case .text:
                print(ids.map(String.init).joined(separator: " "))
            case .json:
                let pieces = ids.map { String(decoding: loaded.tokenizer.piece(Int($0)), as: UTF8.self) }
                print(try JSONLine.string(Report(ids: ids, pieces: pieces, text: encoded)))
            }
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
