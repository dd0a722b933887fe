import ArgumentParser
import Engine
import EngineServer
import Foundation

/// `kvdeck-bench-serve`: load.py's workload straight into InferenceEngine (no HTTP); prints one
/// JSON line with load.py's keys. run.sh runs it beside `kvdeck serve` under load.py and prints
/// the server's overhead (README.md beside this file).
@main
struct BenchServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvdeck-bench-serve",
        abstract: "load.py's streaming workload submitted straight to the engine, without HTTP.")

    @Argument(help: "A .gguf file or a Hugging Face directory (default: the default model).")
    var model: String?

    @Option(help: "Concurrent clients.") var clients = 32
    @Option(help: "Requests each client sends, one after another.") var requestsPerClient = 1
    @Option(help: "max_tokens of each request (ignore_eos is on).") var maxTokens = 64
    @Option(help: "Sampling temperature.") var temperature = 0.8
    @Option(help: "Nucleus sampling: keep the most likely tokens up to this probability (1: all).") var topP = 1.0
    @Option(help: "The prompt (load.py's by default).") var prompt = InProcessLoad().prompt
    @Option(help: "KV-cache memory, as `kvdeck serve --kv-cache-memory`.") var kvCacheMemory = "4GiB"
    @Option(help: "CPU threads for the engine (default: one per core).") var threads: Int?

    func validate() throws {
        guard clients >= 1, requestsPerClient >= 1, maxTokens >= 1 else {
            throw ValidationError("--clients, --requests-per-client and --max-tokens must be at least 1")
        }
        guard temperature >= 0 else { throw ValidationError("--temperature must not be negative") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let path = model ?? DefaultModel.path(environment: ProcessInfo.processInfo.environment)
        // As `kvdeck serve` makes its engine (ServingModel): the same loader, a runner with the
        // requested KV cache, and serve's defaults for block size, batch budget and sequences.
        let loaded = try LoadedModel.open(path: path, threads: threads)
        let runner = try loaded.makeRunner(RunnerRequest(blockSize: KVCacheBudget.defaultBlockSize,
                                                         kvCacheBytes: try KVCacheBudget.parseBytes(kvCacheMemory)))
        let engine = try InferenceEngine(runner: runner, detokenizer: loaded.tokenizer, config: EngineConfig())
        let load = InProcessLoad(clients: clients, requestsPerClient: requestsPerClient, maxTokens: maxTokens,
                                 temperature: temperature, topP: topP, prompt: prompt)
        // One short request first, as run.sh sends the server one before measuring.
        _ = try await InProcessLoad(clients: 1, requestsPerClient: 1, maxTokens: 8, temperature: temperature, prompt: prompt)
            .run(engine: engine, tokenizer: loaded.tokenizer)
        let result = try await load.run(engine: engine, tokenizer: loaded.tokenizer)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
