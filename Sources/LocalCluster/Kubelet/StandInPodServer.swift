import Foundation
import YAML

/// A STAND-IN for the engine server a pod would run (`kvdeck serve`, issues 7 and 8): in process,
/// no sockets, no model. It answers the HTTP surface a vLLM-compatible server has (engine-anchors
/// §2.1) with the truth about itself: `/health`, `/ping`, `/load`, `/version` (`kvdeck-stand-in`),
/// `/v1/models`, `/metrics` with vLLM V1 names whose values say nothing runs, and 503 with an
/// OpenAI-shaped error for completions. It keeps each container's log (startup lines and one
/// line per proxied request) for `pods/log`.
public actor StandInPodServer {
    public nonisolated let namespace: String
    public nonisolated let name: String
    public nonisolated let uid: String
    nonisolated let spec: StandInEngineSpec
    nonisolated let containers: [String]
    private let now: @Sendable () -> Date
    private let started: Date
    private var logs: [String: PodLogRing] = [:]
    private var metrics = StandInMetrics()
    private(set) var stopped = false

    init(pod: JSONValue, logCapacity: Int, now: @escaping @Sendable () -> Date) {
        namespace = pod["metadata"]?["namespace"]?.stringValue ?? ""
        name = pod["metadata"]?["name"]?.stringValue ?? ""
        uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        spec = StandInEngineSpec(pod: pod)
        containers = (pod["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        self.now = now
        started = now()
        var logs: [String: PodLogRing] = [:]
        for container in containers {
            var ring = PodLogRing(capacity: logCapacity)
            if container == spec.container {
                ring.append("stand-in for `\(spec.commandLine.isEmpty ? "kvdeck serve" : spec.commandLine)`: no engine runs in this pod (the kvdeck local cluster's kubelet stand-in; the engine is not built in yet)", at: started)
                ring.append("stand-in: model \"\(spec.modelName)\" is not loaded; /health, /ping, /load, /version, /v1/models and /metrics answer, completions answer 503", at: started)
            } else {
                ring.append("stand-in: container \"\(container)\" runs no process in the kvdeck local cluster", at: started)
            }
            logs[container] = ring
        }
        self.logs = logs
    }

    /// What `/health` answers (200 when true), and so the pod's readiness: the kubelet stand-in
    /// asks this directly rather than through `serve`, so probes do not fill the log.
    public func isHealthy() -> Bool { !stopped }

    /// A load generator's synthetic request, counted in the counters (the histograms stay empty:
    /// the stand-in measured no latency). Nothing else pretends work happened.
    public func countSyntheticRequest(promptTokens: Int, generationTokens: Int, finishedReason: String = "stop") {
        metrics.promptTokens += Double(promptTokens)
        metrics.generationTokens += Double(generationTokens)
        metrics.successes[finishedReason, default: 0] += 1
    }

    // MARK: - HTTP surface

    /// One request arriving through the API server's pod or service proxy. `path` starts with "/".
    public func serve(method: String, path: String, query: [(name: String, value: String)] = [], via: String = "apiserver-proxy") -> ServerResponse {
        let response = route(method: method, path: path)
        let target = query.isEmpty ? path : path + "?" + query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        // uvicorn's access-log shape, as a vLLM pod's log shows each request.
        log("INFO:     \(via) - \"\(method) \(target) HTTP/1.1\" \(response.status) \(Self.reason(response.status))")
        return response
    }

    private func route(method: String, path: String) -> ServerResponse {
        let get = method == "GET" || method == "HEAD"
        switch path {
        case "/health":
            guard get else { return Self.methodNotAllowed }
            return ServerResponse(status: isHealthy() ? 200 : 503)
        case "/ping":
            guard get || method == "POST" else { return Self.methodNotAllowed }
            return ServerResponse(status: isHealthy() ? 200 : 503)
        case "/load":
            guard get else { return Self.methodNotAllowed }
            return Self.json(["server_load": 0])
        case "/version":
            guard get else { return Self.methodNotAllowed }
            return Self.json(["version": "kvdeck-stand-in"])
        case "/v1/models":
            guard get else { return Self.methodNotAllowed }
            let created = Int64(started.timeIntervalSince1970)
            let model: JSONValue = [
                "id": .string(spec.modelName), "object": "model", "created": .int(created), "owned_by": "kvdeck-stand-in",
                "root": .string(spec.modelPath), "parent": .null,
                "max_model_len": spec.maxModelLen.map { .int(Int64($0)) } ?? .null, "permission": [],
            ]
            return Self.json(["object": "list", "data": [model]])
        case "/metrics":
            guard get else { return Self.methodNotAllowed }
            return ServerResponse(status: 200, headers: [("Content-Type", StandInMetrics.contentType)],
                                  body: .data(Data(metrics.text(for: spec).utf8)))
        case "/v1/completions", "/v1/chat/completions":
            guard method == "POST" else { return Self.methodNotAllowed }
            return Self.json(["error": [
                "message": "This pod runs the kvdeck local cluster's stand-in server: the engine (kvdeck serve) is not built into this stand-in yet, so no completion can be generated.",
                "type": "ServiceUnavailableError", "param": .null, "code": 503,
            ]], status: 503)
        default:
            return Self.json(["detail": "Not Found"], status: 404)
        }
    }

    static let methodNotAllowed = json(["detail": "Method Not Allowed"], status: 405)

    static func json(_ value: JSONValue, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: .data(value.jsonData()))
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 503: "Service Unavailable"
        default: ""
        }
    }

    // MARK: - Logs

    /// A line in the engine container's log.
    public func log(_ text: String) {
        append(text, container: spec.container)
    }

    func append(_ text: String, container: String) {
        logs[container]?.append(text, at: now())
    }

    func read(container: String, query: PodLogRing.Query) -> Data {
        logs[container]?.read(query) ?? Data()
    }

    /// The log so far, then each new line until the container stops or the reader goes away.
    func follow(container: String, query: PodLogRing.Query) -> AsyncStream<Data> {
        let (stream, continuation) = AsyncStream<Data>.makeStream()
        let first = read(container: container, query: query)
        if !first.isEmpty { continuation.yield(first) }
        let id = UUID()
        if stopped || !(logs[container]?.follow(id, continuation, query: query, alreadySent: first.count) ?? false) {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unfollow(container: container, id) }
        }
        return stream
    }

    private func unfollow(container: String, _ id: UUID) { logs[container]?.unfollow(id) }

    /// The pod is terminating: one last line, /health turns 503, follow streams end.
    func stop(reason: String) {
        guard !stopped else { return }
        log("stand-in: \(reason); stopping")
        stopped = true
        for key in logs.keys { logs[key]?.finishFollowers() }
    }
}
