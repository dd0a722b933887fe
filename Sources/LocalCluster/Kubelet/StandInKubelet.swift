import Foundation
import YAML

/// The local cluster's kubelet STAND-IN, the part that serves pods: one `PodServer` per Running
/// pod (started and stopped by `PodLifecycle`; made by the factory it is given: the engine where
/// the pod asks for a model kvdeck has, else a `StandInPodServer`), and the API paths a kubelet answers
/// through the API server: `pods/log` and the pod, service and node proxies. Hand
/// `endpoints` to `LocalAPI(podEndpoints:)` and the kubelet itself to `ControllerManager`.
///
/// Where it differs from a real kubelet and API server proxy, on purpose:
/// - Every port of a Running pod is served, declared or not: the real proxy dials whatever
///   port it is given, and a vLLM pod listens on one port, so there is nothing to check against.
/// - No TCP: "dial" failures are reported as the real proxy reports a refused connection.
/// - `previous=true` always fails: containers here never restart.
public actor StandInKubelet {
    public static let defaultLogCapacity = 1_000
    private let logCapacity: Int
    private let now: @Sendable () -> Date
    /// Keyed by "namespace/name".
    private var servers: [String: Entry] = [:]
    private var nextEndpoint = 0

    private let makeServer: PodServerFactory
    private var starting: [String: (uid: String, task: Task<any PodServer, Never>)] = [:]

    private struct Entry {
        var server: any PodServer
        var labels: [String: String]
        var ready: Bool
    }

    /// - Parameter makeServer: what a Running pod runs; by default every pod gets a stand-in.
    public init(logCapacity: Int = StandInKubelet.defaultLogCapacity, now: @escaping @Sendable () -> Date = { Date() },
                makeServer: @escaping PodServerFactory = StandInKubelet.standIn) {
        self.logCapacity = logCapacity
        self.now = now
        self.makeServer = makeServer
    }

    /// The factory that gives every pod a `StandInPodServer`.
    public static let standIn: PodServerFactory = { pod, capacity, now in
        StandInPodServer(pod: pod, logCapacity: capacity, now: now)
    }

    /// The handler for `LocalAPI(podEndpoints:)`.
    public nonisolated var endpoints: LocalAPI.PodEndpoints {
        { [self] request, resource, object, subresource in
            do {
                return try await self.serve(request, resource: resource, object: object, subresource: subresource)
            } catch let error as APIStatusError {
                return LocalAPI.statusResponse(error)
            } catch {
                return LocalAPI.statusResponse(.internalError("\(error)"))
            }
        }
    }

    /// The server of a pod, if it runs.
    public func server(namespace: String, name: String) -> (any PodServer)? {
        servers["\(namespace)/\(name)"]?.server
    }

    // MARK: - Lifecycle (called by PodLifecycle)

    /// Starts the pod's stand-in server if it has none (same uid), and keeps its labels current.
    /// Returns what its `/health` says, which is what the pod's readiness reports.
    @discardableResult
    func run(_ pod: JSONValue) async -> Bool {
        let key = "\(pod.namespace)/\(pod.name)"
        let labels = Self.labels(pod)
        if let entry = servers[key], entry.server.uid == pod.uid {
            servers[key]?.labels = labels
            return await entry.server.isHealthy()
        }
        // Starting a server takes a while (the engine makes its KV cache): a second call for
        // the same pod meanwhile waits for the first instead of starting another.
        if let pending = starting[key], pending.uid == pod.uid {
            return await pending.task.value.isHealthy()
        }
        let (makeServer, capacity, now) = (self.makeServer, logCapacity, self.now)
        let task = Task { await makeServer(pod, capacity, now) }
        starting[key] = (pod.uid, task)
        if let old = servers[key] { await old.server.stop(reason: "pod replaced") }
        let server = await task.value
        starting[key] = nil
        let healthy = await server.isHealthy()
        servers[key] = Entry(server: server, labels: labels, ready: healthy)
        return healthy
    }

    /// The pod is terminating: it leaves service endpoints and its server stops.
    func terminate(_ pod: JSONValue) async {
        let key = "\(pod.namespace)/\(pod.name)"
        guard let entry = servers[key], entry.server.uid == pod.uid else { return }
        servers[key]?.ready = false
        await entry.server.stop(reason: "pod is terminating")
    }

    /// Forgets the servers of pods that are gone.
    func retain(uids: Set<String>) async {
        for (key, entry) in servers where !uids.contains(entry.server.uid) {
            await entry.server.stop(reason: "pod deleted")
            servers[key] = nil
        }
    }

    static func labels(_ pod: JSONValue) -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in pod["metadata"]?["labels"]?.objectValue?.entries ?? [] { labels[key] = value.stringValue }
        return labels
    }

    // MARK: - Routing

    private func serve(_ request: ServerRequest, resource: ServedResource, object: JSONValue, subresource: String) async throws -> ServerResponse {
        switch (resource.plural, subresource.split(separator: "/").first) {
        case ("pods", "log"): return try await log(request, pod: object)
        case ("pods", "proxy"): return try await podProxy(request, pod: object, subresource: subresource)
        case ("services", "proxy"): return try await serviceProxy(request, service: object, subresource: subresource)
        case ("nodes", "proxy"): return nodeProxy(subresource)
        default: throw APIStatusError.resourceNotFound
        }
    }

    // MARK: - pods/log

    private func log(_ request: ServerRequest, pod: JSONValue) async throws -> ServerResponse {
        let name = pod.name
        func bool(_ key: String) throws -> Bool {
            guard let text = request.queryValue(key) else { return false }
            guard let value = Self.parseBool(text) else { throw APIStatusError.badRequest("strconv.ParseBool: parsing \"\(text)\": invalid syntax") }
            return value
        }
        func int(_ key: String) throws -> Int? {
            guard let text = request.queryValue(key) else { return nil }
            guard let value = Int(text) else { throw APIStatusError.badRequest("strconv.ParseInt: parsing \"\(text)\": invalid syntax") }
            return value
        }
        let follow = try bool("follow"), previous = try bool("previous"), timestamps = try bool("timestamps")
        let tailLines = try int("tailLines"), sinceSeconds = try int("sinceSeconds"), limitBytes = try int("limitBytes")
        let sinceTime = request.queryValue("sinceTime")
        // ValidatePodLogOptions, as the API server answers it (422 on PodLogOptions).
        func invalid(_ field: String, _ detail: String) -> APIStatusError {
            APIStatusError.invalid(kind: "PodLogOptions", group: "", name: name, field: field, detail: detail)
        }
        if let t = tailLines, t < 0 { throw invalid("tailLines", "Invalid value: \(t): must be greater than or equal to 0") }
        if let l = limitBytes, l < 1 { throw invalid("limitBytes", "Invalid value: \(l): must be greater than 0") }
        if let s = sinceSeconds, s < 1 { throw invalid("sinceSeconds", "Invalid value: \(s): must be greater than 0") }
        if sinceSeconds != nil && sinceTime != nil { throw invalid("sinceSeconds", "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified") }
        var since: Date?
        if let sinceTime {
            guard let date = APITime.parse(sinceTime) else {
                throw APIStatusError.badRequest("parsing time \"\(sinceTime)\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\(sinceTime)\" as \"2006\"")
            }
            since = date
        }
        if let sinceSeconds { since = now().addingTimeInterval(-Double(sinceSeconds)) }

        // LogLocation: which container.
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let initContainers = (pod["spec"]?["initContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var container = request.queryValue("container") ?? ""
        if container.isEmpty {
            switch containers.count {
            case 1: container = containers[0]
            case 0: throw APIStatusError.badRequest("a container name must be specified for pod \(name)")
            default:
                var message = "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
                if !initContainers.isEmpty { message += " or one of the init containers: [\(initContainers.joined(separator: " "))]" }
                throw APIStatusError.badRequest(message)
            }
        } else if !containers.contains(container) && !initContainers.contains(container) {
            throw APIStatusError.badRequest("container \(container) is not valid for pod \(name)")
        }
        // Not bound yet: the API server has no kubelet to ask and answers an empty log.
        guard let node = pod["spec"]?["nodeName"]?.stringValue, !node.isEmpty else { return Self.text(Data()) }
        // What the kubelet answers.
        if previous { throw APIStatusError.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found") }
        guard let server = servers["\(pod.namespace)/\(name)"]?.server, server.uid == pod.uid,
              containers.contains(container) else {
            throw APIStatusError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating")
        }
        let query = PodLogRing.Query(timestamps: timestamps, tailLines: tailLines, since: since, limitBytes: limitBytes)
        if follow {
            return ServerResponse(status: 200, headers: [("Content-Type", "text/plain")],
                                  body: .stream(await server.followLog(container: container, query: query)))
        }
        return Self.text(await server.readLog(container: container, query: query))
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": true
        case "0", "f", "F", "false", "FALSE", "False", "": false
        default: nil
        }
    }

    static func text(_ data: Data) -> ServerResponse {
        ServerResponse(status: 200, headers: [("Content-Type", "text/plain")], body: .data(data))
    }

    // MARK: - Proxies

    /// `[scheme:]name[:port]`, as the API server splits it (utilnet.SplitSchemeNamePort).
    static func splitSchemeNamePort(_ id: String) -> (scheme: String, name: String, port: String)? {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let (scheme, name, port): (String, String, String)
        switch parts.count {
        case 1: (scheme, name, port) = ("", parts[0], "")
        case 2: (scheme, name, port) = ("", parts[0], parts[1])
        case 3: (scheme, name, port) = (parts[0], parts[1], parts[2])
        default: return nil
        }
        guard !name.isEmpty, ["", "http", "https"].contains(scheme) else { return nil }
        return (scheme, name, port)
    }

    /// The `NAME[:PORT]` segment before `proxy` in the request path, and the target path after it.
    static func proxyTarget(_ request: ServerRequest, plural: String, subresource: String) -> (id: String, path: String) {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var id = ""
        if let i = parts.firstIndex(of: plural), i + 1 < parts.count { id = parts[i + 1] }
        var path = "/" + subresource.split(separator: "/", omittingEmptySubsequences: true).dropFirst().joined(separator: "/")
        if request.path.hasSuffix("/") && path != "/" { path += "/" }
        return (id, path)
    }

    private func podProxy(_ request: ServerRequest, pod: JSONValue, subresource: String) async throws -> ServerResponse {
        let (id, path) = Self.proxyTarget(request, plural: "pods", subresource: subresource)
        guard let split = Self.splitSchemeNamePort(id) else { throw APIStatusError.badRequest("invalid pod request \"\(id)\"") }
        var port = split.port
        if port.isEmpty {
            // The API server's choice: the first declared port of any container.
            port = (pod["spec"]?["containers"]?.arrayValue ?? []).lazy
                .compactMap { $0["ports"]?.arrayValue?.first?["containerPort"]?.intValue }.first.map { String($0) } ?? ""
        }
        let ip = pod["status"]?["podIP"]?.stringValue ?? ""
        guard !ip.isEmpty else { throw APIStatusError.badRequest("address not allowed") }
        guard pod["status"]?["phase"]?.stringValue == "Running", let entry = servers["\(pod.namespace)/\(pod.name)"],
              entry.server.uid == pod.uid, await entry.server.isHealthy() else {
            throw Self.refused(ip: ip, port: port.isEmpty ? (split.scheme == "https" ? "443" : "80") : port)
        }
        return await entry.server.serve(Self.proxied(request, path: path))
    }

    private func serviceProxy(_ request: ServerRequest, service: JSONValue, subresource: String) async throws -> ServerResponse {
        let (id, path) = Self.proxyTarget(request, plural: "services", subresource: subresource)
        guard let split = Self.splitSchemeNamePort(id) else { throw APIStatusError.badRequest("invalid service request \"\(id)\"") }
        let noEndpoints = APIStatusError(code: 503, reason: "ServiceUnavailable", message: "no endpoints available for service \"\(id)\"")
        // The port by name or number; none given picks the first (the unnamed one on a one-port service).
        let ports = service["spec"]?["ports"]?.arrayValue ?? []
        if !split.port.isEmpty, !ports.isEmpty, !ports.contains(where: {
            $0["name"]?.stringValue == split.port || $0["port"]?.intValue.map { String($0) } == split.port
        }) { throw noEndpoints }
        guard let selector = service["spec"]?["selector"]?.objectValue?.entries, !selector.isEmpty else { throw noEndpoints }
        let namespace = service.namespace
        let ready = servers.filter { key, entry in
            key.hasPrefix(namespace + "/") && entry.ready
                && selector.allSatisfy { entry.labels[$0.key] == $0.value.stringValue }
        }.sorted { $0.key < $1.key }
        var candidates: [any PodServer] = []
        for (_, entry) in ready where await entry.server.isHealthy() { candidates.append(entry.server) }
        guard !candidates.isEmpty else { throw noEndpoints }
        // Round robin, where the real proxy picks at random: tests can then reach every endpoint.
        let server = candidates[nextEndpoint % candidates.count]
        nextEndpoint &+= 1
        return await server.serve(Self.proxied(request, path: path))
    }

    /// What reaches the pod: the method, path, query and body, and the headers a proxy passes on
    /// (not the API server's own Authorization, which is for the API server).
    static func proxied(_ request: ServerRequest, path: String) -> ProxiedRequest {
        let passed = request.headers.filter { ["content-type", "accept", "user-agent"].contains($0.name.lowercased()) }
        return ProxiedRequest(method: request.method, path: path, query: request.query, headers: passed, body: request.body)
    }

    /// The node's kubelet has no stand-in endpoints beyond a health check.
    private func nodeProxy(_ subresource: String) -> ServerResponse {
        let path = subresource.split(separator: "/").dropFirst().joined(separator: "/")
        if path == "healthz" { return ServerResponse(status: 200, headers: [("Content-Type", "text/plain")], body: .data(Data("ok".utf8))) }
        return ServerResponse(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .data(Data("404 page not found\n".utf8)))
    }

    /// What the real proxy answers when nothing listens at the pod's address.
    static func refused(ip: String, port: String) -> APIStatusError {
        let address = "\(ip):\(port)"
        return APIStatusError(code: 503, reason: "ServiceUnavailable",
                              message: "error trying to reach service: dial tcp \(address): connect: connection refused")
    }
}
