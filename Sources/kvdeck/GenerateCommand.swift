import ArgumentParser
import Engine
import EngineServer
import Foundation

/// `kvdeck generate MODEL`: one completion through the same engine `kvdeck serve` runs, for
/// scripts and for checking a model by hand.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate one completion with kvdeck's own engine.",
        discussion: """
        The text is written to stdout as it is generated; loading progress and a summary go to \
        stderr. With -o json, one JSON object instead: prompt and generated token ids, text, \
        finish reason, usage and timings (load, time to first token, decode tokens/s, total).
        --prompt is raw text (BOS is added when the model wants one; special tokens written in \
        it are read as such); --messages is an OpenAI-style JSON array rendered with the model's \
        chat format.

        Examples:
          kvdeck generate default --messages '[{"role":"user","content":"What is the capital of France?"}]'
          kvdeck generate model.gguf --prompt 'Once upon a time' --max-tokens 40 --temperature 0 -o json
        """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: ArgumentHelp(ModelArgument.help))
    var model: String = "default"

    @Option(help: "Raw prompt text.")
    var prompt: String?

    @Option(help: #"Chat messages as a JSON array, e.g. '[{"role":"user","content":"Hi"}]'."#)
    var messages: String?

    @Option(help: "Generated tokens at most (the end-of-sequence token included).")
    var maxTokens = 256

    @Option(help: "0 is greedy; higher is more random.")
    var temperature = 1.0

    @Option(help: "Nucleus sampling: keep the most likely tokens whose probabilities sum to P, in (0, 1].")
    var topP = 1.0

    @Option(help: "Keep the K most likely tokens (0 or -1: all).")
    var topK = 0

    @Option(help: "Seed for sampling, so a run can be repeated.")
    var seed: UInt64?

    @Option(help: "Text that ends generation (not printed); repeat for more.")
    var stop: [String] = []

    @Option(help: "Force a chat format: \(ChatTemplate.names.joined(separator: ", ")). Default: recognised from the model.")
    var chatTemplate: String?

    @Option(help: "CPU threads for the engine (default: one per core).")
    var threads: Int?

    @Option(name: [.short, .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    func validate() throws {
        guard (prompt == nil) != (messages == nil) else { throw ValidationError("give exactly one of --prompt and --messages") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be 0 or more, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
        guard topK >= -1 else { throw ValidationError("--top-k must be -1, 0 or a positive number, got \(topK)") }
        if stop.contains("") { throw ValidationError("--stop must not be empty") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        do {
            // The messages are checked before the model loads: a typo should not cost a load.
            let input: PromptInput
            if let messages {
                do { input = .messages(try ChatMessagesJSON.parse(messages)) } catch { throw PromptInputError(description: "--messages: \(error)") }
            } else {
                input = .text(prompt ?? "")
            }
            let (loaded, loadSeconds) = try LoadedEngineModel.open(model, chatTemplate: chatTemplate, threads: threads, command: "generate")
            let (_, ids) = try input.encode(with: loaded)
            let json = output == .json
            let run = try await OneCompletion.run(model: loaded, prompt: ids, sampling: sampling) { text in
                if !json { FileHandle.standardOutput.write(Data(text.utf8)) }
            }
            let report = GenerateReport(model: loaded.path, run: run, loadSeconds: loadSeconds)
            if json {
                print(try report.json())
            } else {
                if !run.text.isEmpty, !run.text.hasSuffix("\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
                EngineProgress.say("generate", report.summary)
            }
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    var sampling: SamplingParams {
        var p = SamplingParams()
        p.maxTokens = maxTokens
        p.temperature = temperature
        p.topP = topP
        p.topK = topK
        p.seed = seed
        p.stop = stop
        return p
    }
}
