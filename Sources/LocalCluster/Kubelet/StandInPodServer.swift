import Foundation
import YAML

/// A STAND-IN for the engine server a pod would run (`kvdeck serve`, issues 7 and 8): in process,
/// no sockets, no model. It answers the HTTP surface a vLLM-compatible server has (engine-anchors
/// §2.1) with the truth about itself: `/health`, `/ping`, `/load`, `/version` (`kvdeck-stand-in`),
/// `/v1/models`, `/metrics` with vLLM V1 names whose values say nothing runs, and 503 with an
/// OpenAI-shaped error for completions. It keeps each container's log (startup lines and one
/// line per proxied request) for `pods/log`.
public actor StandInPodServer: PodServer {
    public nonisolated let namespace: String
    public nonisolated let name: String
    public nonisolated let uid: String
    nonisolated let spec: PodEngineSpec
    nonisolated let containers: [String]
    private let now: @Sendable () -> Date
    private let started: Date
    private var logs: PodContainerLogs
    private var metrics = StandInMetrics()
    private(set) var stopped = false

    init(pod: JSONValue, logCapacity: Int, now: @escaping @Sendable () -> Date) {
        namespace = pod["metadata"]?["namespace"]?.stringValue ?? ""
        name = pod["metadata"]?["name"]?.stringValue ?? ""
        uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        spec = PodEngineSpec(pod: pod)
        containers = (pod["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        self.now = now
        started = now()
        var logs = PodContainerLogs(containers: containers, capacity: logCapacity)
        for container in containers {
            if container == spec.container {
                logs.append("stand-in for `\(spec.commandLine.isEmpty ? "kvdeck serve" : spec.commandLine)`: no engine runs in this pod (the kvdeck local cluster runs the engine only for models it has)", container: container, at: started)
                logs.append("stand-in: model \"\(spec.modelName)\" is not loaded; /health, /ping, /load, /version, /v1/models and /metrics answer, completions answer 503", container: container, at: started)
            } else {
                logs.append("stand-in: container \"\(container)\" runs no process in the kvdeck local cluster", container: container, at: started)
            }
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
    public func serve(_ request: ProxiedRequest) -> ServerResponse {
        let response = route(method: request.method, path: request.path)
        // uvicorn's access-log shape, as a vLLM pod's log shows each request.
        log("INFO:     \(request.via) - \"\(request.method) \(request.target) HTTP/1.1\" \(response.status) \(Self.reason(response.status))")
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
        logs.append(text, container: container, at: now())
    }

    public func readLog(container: String, query: PodLogRing.Query) -> Data {
        logs.read(container: container, query: query)
    }

    /// The log so far, then each new line until the container stops or the reader goes away.
    public func followLog(container: String, query: PodLogRing.Query) -> AsyncStream<Data> {
        logs.follow(container: container, query: query, stopped: stopped) { [weak self] id in
            Task { await self?.unfollow(container: container, id) }
        }
    }

    private func unfollow(container: String, _ id: UUID) { logs.unfollow(container: container, id) }

    /// The pod is terminating: one last line, /health turns 503, follow streams end.
    public func stop(reason: String) {
        guard !stopped else { return }
        log("stand-in: \(reason); stopping")
        stopped = true
        logs.finishAll()
    }
}
