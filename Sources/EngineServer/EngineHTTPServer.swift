import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The OpenAI-compatible server over one model (what `kvdeck serve` runs, and what the local
/// cluster's kubelet runs in process for each pod, sharing one `LoadedModel`).
///
/// ```swift
/// let server = EngineHTTPServer(model: loaded, options: options)
/// let port = try await server.start()      // listening; /health is 503 until ready
/// try await server.waitUntilReady()        // backend and KV cache made
/// ...
/// await server.stop()                      // drain: finish in-flight requests, then close
/// ```
/// `run()` does `start()` and returns when the server has stopped.
public actor EngineHTTPServer {
    public nonisolated let options: ServerOptions
    private let source: @Sendable () async throws -> LoadedModel
    private let logger: Logger
    private let state = ServingState()
    private let gate: AdmissionGate
    private var serviceGroup: ServiceGroup?
    private var runTask: Task<Void, Error>?
    private var loadTask: Task<ServingModel, Error>?
    private var stopping: Task<Void, Never>?
    /// The bound port, once `start()` has returned.
    public private(set) var port: Int?

    /// A server over a model already in memory.
    public init(model: LoadedModel, options: ServerOptions, logger: Logger = Logger(label: "kvdeck.engine-server")) {
        self.init(loading: { model }, options: options, logger: logger)
    }

    /// A server that listens first and loads while answering `/health` with 503 (for loads that
    /// take a while; a startup probe then sees the server alive but not ready).
    public init(loading: @escaping @Sendable () async throws -> LoadedModel, options: ServerOptions,
                logger: Logger = Logger(label: "kvdeck.engine-server")) {
        self.options = options
        self.source = loading
        self.logger = logger
        self.gate = AdmissionGate(capacity: options.engine.maxNumSeqs + options.maxWaitingRequests)
    }

    /// Binds and returns the port; loading the model and making its backend go on in the
    /// background (`waitUntilReady`). Calling it again returns the same port.
    @discardableResult
    public func start() async throws -> Int {
        if let port { return port }
        let responder = EngineResponder(endpoints: Endpoints(state: state, gate: gate, options: options),
                                        auth: APIKeyCheck(apiKey: options.apiKey), logger: logger)
        let (listening, listeningSource) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                listeningSource.yield(channel.localAddress?.port ?? 0)
                listeningSource.finish()
            },
            logger: logger)
        // No signals here: whoever embeds the server decides (kvdeck serve maps SIGTERM to stop()).
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        serviceGroup = group
        let task = Task.detached {
            defer { listeningSource.finish() }
            try await group.run()
        }
        runTask = task
        var iterator = listening.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            runTask = nil
            try await task.value
            throw EngineServerError.stoppedBeforeListening(address: "\(options.host):\(options.port)")
        }
        port = bound
        logger.info("engine server listening", metadata: ["address": "\(options.host):\(bound)"])
        startLoading()
        return bound
    }

    private func startLoading() {
        let (source, options, state, logger) = (self.source, self.options, self.state, self.logger)
        loadTask = Task.detached {
            do {
                let model = try await source()
                let serving = try ServingModel(model: model, options: options)
                state.set(.ready(serving))
                logger.info("engine ready", metadata: [
                    "model": .string(serving.metricsName), "max_model_len": .stringConvertible(serving.maxModelLen),
                    "kv_blocks": .stringConvertible(serving.blockCount), "block_size": .stringConvertible(serving.blockSize),
                ])
                return serving
            } catch {
                state.set(.failed("\(error)"))
                logger.error("engine failed to start", metadata: ["error": .string("\(error)")])
                throw error
            }
        }
    }

    /// Returns once the model is being served; throws why it could not be.
    public func waitUntilReady() async throws {
        guard let loadTask else { throw EngineServerError.notStarted }
        _ = try await loadTask.value
    }

    /// Starts, and returns when the server has stopped (after `stop()`).
    public func run() async throws {
        try await start()
        try await waitUntilStopped()
    }

    public func waitUntilStopped() async throws {
        guard let runTask else { return }
        try await runTask.value
        await stopping?.value
    }

    /// Drains and stops (Kubernetes termination semantics): stop accepting connections, let the
    /// requests in flight finish for up to `timeout` (default `options.drainTimeout`), abort what
    /// is left, and close. Returns when the server has stopped; a second call waits for the first.
    public func stop(timeout: Duration? = nil) async {
        if let stopping { return await stopping.value }
        let limit = timeout ?? options.drainTimeout
        let (state, gate, group, runTask, logger) = (self.state, self.gate, self.serviceGroup, self.runTask, self.logger)
        let task = Task {
            state.startDraining()
            logger.info("draining", metadata: ["in_flight": .stringConvertible(gate.count), "timeout": .stringConvertible(limit)])
            await group?.triggerGracefulShutdown()
            let deadline = ContinuousClock.now + limit
            if !(await gate.waitUntilEmpty(deadline: deadline)), case .ready(let serving) = state.phase {
                let left = gate.inFlight
                logger.warning("drain timed out; aborting requests", metadata: ["aborted": .stringConvertible(left.count)])
                for id in left { await serving.engine.abort(requestID: id) }
                _ = await gate.waitUntilEmpty(deadline: ContinuousClock.now + .seconds(2))
            }
            // Connections finish their last response, then the server returns; if one hangs, cut it.
            let finished = Task { _ = await runTask?.result }
            let watchdog = Task {
                try? await Task.sleep(for: .seconds(3))
                if !Task.isCancelled { runTask?.cancel() }
            }
            _ = await finished.value
            watchdog.cancel()
            logger.info("stopped")
        }
        stopping = task
        await task.value
        port = nil
    }
}

public enum EngineServerError: Error, Sendable, CustomStringConvertible {
    case stoppedBeforeListening(address: String)
    case notStarted

    public var description: String {
        switch self {
        case .stoppedBeforeListening(let address): return "the engine server stopped before it listened on \(address)"
        case .notStarted: return "the engine server has not been started"
        }
    }
}
