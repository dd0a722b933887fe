import Engine
import EngineServer
import Foundation
import Kube
import LocalCluster
import Logging
import YAML

/// A local-cluster pod that runs the engine: `kvdeck serve` in process, on its own loopback port,
/// with its own KV cache and scheduler over the model the cluster loaded once. The API server's
/// pod and service proxies reach it with real HTTP (libcurl), so `/v1/chat/completions`,
/// `/metrics` and `/health` answer exactly as `kvdeck serve` answers them; its request log is the
/// container's log.
actor EnginePodServer: PodServer {
    nonisolated let uid: String
    private let container: String
    private let server: EngineHTTPServer
    private let transport: CurlTransport
    private let now: @Sendable () -> Date
    private var logs: PodContainerLogs
    private var port: Int?
    private var stopped = false

    /// Starts the server; a pod whose engine cannot start (no memory for its cache, a bad flag)
    /// keeps its log with the reason and is never healthy, as a crashing container would be.
    static func start(pod: JSONValue, spec: PodEngineSpec, model: LoadedModel, transport: CurlTransport,
                      kvCacheBytes: Int, logCapacity: Int, now: @escaping @Sendable () -> Date) async -> EnginePodServer {
        let server = EnginePodServer(pod: pod, spec: spec, model: model, transport: transport,
                                     kvCacheBytes: kvCacheBytes, logCapacity: logCapacity, now: now)
        await server.boot()
        return server
    }

    private init(pod: JSONValue, spec: PodEngineSpec, model: LoadedModel, transport: CurlTransport,
                 kvCacheBytes: Int, logCapacity: Int, now: @escaping @Sendable () -> Date) {
        uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        container = spec.container
        self.transport = transport
        self.now = now
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var logs = PodContainerLogs(containers: containers, capacity: logCapacity)
        var options = ServerOptions()
        options.host = "127.0.0.1"
        options.port = 0
        options.servedModelNames = spec.servedModelNames
        if let n = spec.maxNumSeqs { options.engine.maxNumSeqs = n }
        if let n = spec.maxNumBatchedTokens { options.engine.maxNumBatchedTokens = n }
        options.engine.maxModelLen = spec.maxModelLen
        options.engine.enablePrefixCaching = spec.enablePrefixCaching
        options.blockSize = spec.blockSize
        options.kvCacheBytes = kvCacheBytes
        // A dtype this engine does not implement (fp8, which GPU manifests ask for) runs as auto,
        // and the pod's log says so.
        let dtype = try? KVCacheDType(flag: spec.cacheDType)
        options.kvCacheDType = dtype ?? .auto
        // Many pods share one machine: on a GPU each takes its KV bytes, not a share of the device.
        options.gpuMemoryUtilization = nil
        // A pod stops within its grace period; the kubelet stand-in gives it a couple of seconds.
        options.drainTimeout = .seconds(2)
        let sink = LogSink()
        var logger = Logger(label: "kvdeck.local-cluster.pod") { _ in PodLogHandler(write: sink.write) }
        logger.logLevel = .info
        server = EngineHTTPServer(model: model, options: options, logger: logger)
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        logs.append("kvdeck serve \(spec.modelPath) (pod \(name)): the engine of this binary, in process on 127.0.0.1", container: spec.container, at: now())
        if dtype == nil {
            logs.append("--kv-cache-dtype \(spec.cacheDType) is not implemented by this engine; the KV cache runs as auto (half)", container: spec.container, at: now())
        }
        self.logs = logs
        sink.pod = self
    }

    /// Forwards log lines from the engine's logger (any thread) to this actor.
    private final class LogSink: @unchecked Sendable {
        weak var pod: EnginePodServer?
        func write(_ line: String) {
            let pod = pod
            Task { await pod?.log(line) }
        }
    }

    private func boot() async {
        do {
            port = try await server.start()
            try await server.waitUntilReady()
        } catch {
            log("ERROR:    the engine could not start: \(error)")
            stopped = true
        }
    }

    func log(_ line: String) {
        logs.append(line, container: container, at: now())
    }

    // MARK: - PodServer

    func isHealthy() async -> Bool {
        guard !stopped, let port else { return false }
        let request = HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/health")!, timeout: .seconds(2))
        return (try? await transport.send(request).status) == 200
    }

    func serve(_ request: ProxiedRequest) async -> ServerResponse {
        guard !stopped, let port else { return Self.refused }
        var components = URLComponents()
        components.scheme = "http"
        components.host = "127.0.0.1"
        components.port = port
        components.path = request.path
        if !request.query.isEmpty { components.queryItems = request.query.map { URLQueryItem(name: $0.name, value: $0.value) } }
        guard let url = components.url else { return Self.refused }
        let forwarded = HTTPRequest(method: request.method, url: url, headers: request.headers,
                                    body: request.body.isEmpty ? nil : request.body)
        do {
            let response = try await transport.stream(forwarded)
            log("INFO:     \(request.via) - \"\(request.method) \(request.target) HTTP/1.1\" \(response.status)")
            let (body, continuation) = AsyncStream<Data>.makeStream()
            let relay = Task {
                do {
                    for try await chunk in response.body { continuation.yield(chunk) }
                } catch {}
                continuation.finish()
            }
            // The client went away: stop reading, which closes the connection to the engine and
            // so aborts a streamed generation there.
            continuation.onTermination = { _ in relay.cancel() }
            var headers: [(name: String, value: String)] = []
            if let type = response.headers["content-type"] { headers.append(("Content-Type", type)) }
            return ServerResponse(status: response.status, headers: headers, body: .stream(body))
        } catch {
            log("WARNING:  \(request.via) - \"\(request.method) \(request.target) HTTP/1.1\" failed: \(error)")
            return Self.refused
        }
    }

    func readLog(container: String, query: PodLogRing.Query) -> Data {
        logs.read(container: container, query: query)
    }

    func followLog(container: String, query: PodLogRing.Query) -> AsyncStream<Data> {
        logs.follow(container: container, query: query, stopped: stopped) { [weak self] id in
            Task { await self?.unfollow(container: container, id) }
        }
    }

    private func unfollow(container: String, _ id: UUID) { logs.unfollow(container: container, id) }

    func stop(reason: String) async {
        guard !stopped else { return }
        stopped = true
        log("INFO:     \(reason); draining and stopping the engine")
        await server.stop()
        logs.finishAll()
    }

    /// What the API server's proxy answers when nothing listens in the pod.
    static let refused = ServerResponse(status: 503, headers: [("Content-Type", "application/json")],
        body: .data(Data(#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"error trying to reach service: connection refused","reason":"ServiceUnavailable","code":503}"#.utf8)))
}
