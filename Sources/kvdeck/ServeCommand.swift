import ArgumentParser
import Engine
import EngineServer
import Foundation
import Logging

/// `kvdeck serve MODEL`: the OpenAI-compatible server with vLLM's metrics, taking `vllm serve`'s
/// flag names where they apply, so a manifest written for vLLM runs it unchanged.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over the OpenAI API (and vLLM's /metrics) with kvdeck's own engine.",
        discussion: """
        MODEL is a .gguf file or a Hugging Face model directory; `default` (or nothing) is the default \
        model, SmolLM2-135M-Instruct, fetched by scripts/fetch-model. SIGTERM or Ctrl-C drains: no new \
        connections, requests in flight finish (up to --drain-timeout), then the process exits 0. \
        Request logs go to stderr (or to $KVDECK_LOG when set), one line per request.
        """)

    @Argument(help: ArgumentHelp(ModelArgument.help))
    var model: String = "default"

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8000

    @Option(name: .customLong("served-model-name"), parsing: .upToNextOption,
            help: "Names clients may send as `model`; the first is the metrics model_name. Default: MODEL.")
    var servedModelName: [String] = []

    @Option(help: "Prompt plus output tokens per request. Default: the model's context, or what the KV cache holds if less.")
    var maxModelLen: Int?

    @Option(help: "Requests in the running batch.")
    var maxNumSeqs = 256

    @Option(help: "Tokens per engine step; longer prompts are prefilled in chunks.")
    var maxNumBatchedTokens = 2048

    @Option(help: "Tokens per KV-cache block.")
    var blockSize = KVCacheBudget.defaultBlockSize

    @Flag(inversion: .prefixedNo, help: "Reuse KV blocks across requests that share a prompt prefix.")
    var enablePrefixCaching = true

    @Option(help: "Bearer key required on /v1/* (default: $VLLM_API_KEY). Other paths stay open.")
    var apiKey: String?

    @Option(help: "KV-cache memory: bytes, or a size such as 512MiB or 4GiB.")
    var kvCacheMemory = "4GiB"

    @Option(help: "KV-cache element type: auto (half on the CPU; the compute dtype on CUDA), float16 or float32.")
    var kvCacheDtype = "auto"

    @Option(help: "CUDA backend: the share of GPU memory for weights, activations and the KV cache, in (0, 1]; the cache gets what is left (the CPU backend uses --kv-cache-memory).")
    var gpuMemoryUtilization = 0.9

    @Flag(help: "No vllm:* metrics on /metrics (as vLLM).")
    var disableLogStats = false

    @Option(help: "Force a chat format: \(ChatTemplate.names.joined(separator: ", ")). Default: recognised from the model.")
    var chatTemplate: String?

    @Option(help: "Requests allowed to wait beyond --max-num-seqs; more are answered 429.")
    var maxWaitingRequests = 256

    @Option(help: "Seconds a drain lets requests in flight finish before aborting them.")
    var drainTimeout: Double = 25

    @Flag(help: "Put prompt text in the request log lines (never, without this flag).")
    var logPrompts = false

    @Option(help: "CPU threads for the engine (default: one per core).")
    var threads: Int?

    func validate() throws {
        guard (1...65535).contains(port) || port == 0 else { throw ValidationError("--port must be in 0...65535") }
        guard maxNumSeqs >= 1 else { throw ValidationError("--max-num-seqs must be at least 1") }
        guard maxNumBatchedTokens >= 1 else { throw ValidationError("--max-num-batched-tokens must be at least 1") }
        guard blockSize >= 1 else { throw ValidationError("--block-size must be at least 1") }
        guard drainTimeout >= 0 else { throw ValidationError("--drain-timeout must not be negative") }
        if let maxModelLen, maxModelLen < 1 { throw ValidationError("--max-model-len must be at least 1") }
        guard gpuMemoryUtilization > 0, gpuMemoryUtilization <= 1 else { throw ValidationError("--gpu-memory-utilization must be in (0, 1], got \(gpuMemoryUtilization)") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let options: ServerOptions
        let path: String
        let forcedTemplate: ChatTemplate?
        do {
            (options, path) = try serverOptions(environment: environment)
            forcedTemplate = try chatTemplate.map { name throws(ChatTemplateError) in try ChatTemplate.named(name) }
        } catch {
            throw Diagnostics.fail(error)
        }
        do {
            _ = try ModelArgument(name: model).existingPath(environment: environment)
        } catch {
            throw Diagnostics.fail(error)
        }

        let threads = self.threads
        Self.progress("loading \(path)")
        let server = EngineHTTPServer(loading: {
            let started = ContinuousClock.now
            let loaded = try LoadedModel.open(path: path, chatTemplate: forcedTemplate, threads: threads)
            Self.progress("model loaded in \(started.duration(to: .now)) (\(loaded.config.architecture.rawValue), \(loaded.config.layerCount) layers); making the KV cache")
            Self.progress("backend: \(loaded.backendDescription)")
            return loaded
        }, options: options, logger: Logger(label: "kvdeck.serve"))

        do {
            let bound = try await server.start()
            Self.progress("listening on http://\(options.host.contains(":") ? "[\(options.host)]" : options.host):\(bound) (/health is 503 until ready)")
            try await server.waitUntilReady()
        } catch {
            await server.stop(timeout: .zero)
            throw Diagnostics.fail(ServeFailure("\(error)"))
        }
        Self.progress("ready: serving \(options.servedModelNames.first ?? path)")

        let signal = await TerminationSignal.wait()
        Self.progress("\(signal == SIGTERM ? "SIGTERM" : "SIGINT"): draining (up to \(options.drainTimeout))")
        await server.stop()
        Self.progress("stopped")
    }

    /// The flags as server options; `default` resolves to the default model's path and name.
    func serverOptions(environment: [String: String]) throws -> (ServerOptions, String) {
        var o = ServerOptions()
        o.host = host
        o.port = port
        let argument = ModelArgument(name: model)
        let isDefault = argument.isDefault
        let path = argument.path(environment: environment)
        o.servedModelNames = servedModelName.isEmpty ? (isDefault ? [DefaultModel.servedName] : []) : servedModelName
        o.engine = EngineConfig(maxNumBatchedTokens: maxNumBatchedTokens, maxNumSeqs: maxNumSeqs, maxModelLen: maxModelLen,
                                enablePrefixCaching: enablePrefixCaching)
        o.blockSize = blockSize
        o.kvCacheBytes = try KVCacheBudget.parseBytes(kvCacheMemory)
        o.kvCacheDType = try KVCacheDType(flag: kvCacheDtype)
        o.gpuMemoryUtilization = gpuMemoryUtilization
        o.apiKey = apiKey ?? environment["VLLM_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        o.disableLogStats = disableLogStats
        o.maxWaitingRequests = maxWaitingRequests
        o.drainTimeout = .milliseconds(Int(drainTimeout * 1000))
        o.logPrompts = logPrompts
        o.version = KvdeckVersion.string
        return (o, path)
    }

    /// Progress for the person starting the server, on stderr (stdout stays free).
    static func progress(_ text: String) {
        EngineProgress.say("serve", text)
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
