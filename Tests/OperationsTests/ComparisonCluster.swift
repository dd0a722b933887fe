import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterServer
import YAML

/// One local cluster for a kvdeck-versus-kubectl comparison: the API behind a handler that records
/// every request, the controllers, an HTTPS front with a kubeconfig for kubectl (user "kubectl"),
/// and an in-process client for kvdeck (user "kvdeck"). Two of these, seeded alike, give kubectl
/// and kvdeck the same starting state.
final class ComparisonCluster: @unchecked Sendable {
    struct Request: Equatable, CustomStringConvertible {
        var user: String
        var method: String
        var path: String
        var query: [String]
        var contentType: String?
        var body: String
        var description: String { "\(method) \(path)?\(query.joined(separator: "&")) [\(contentType ?? "-")] \(body)" }
    }

    /// Records each request, then hands it on.
    final class Recorder: APIRequestHandler, @unchecked Sendable {
        let inner: LocalAPI
        private let lock = NSLock()
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
        private var log: [Request] = []
        init(_ inner: LocalAPI) { self.inner = inner }

        func handle(_ request: ServerRequest) async -> ServerResponse {
            let entry = Request(user: request.user, method: request.method, path: request.path,
                                query: request.query.map { "\($0.name)=\($0.value)" }.sorted(),
                                contentType: request.header("Content-Type"), body: String(decoding: request.body, as: UTF8.self))
            locked { log.append(entry) }
            return await inner.handle(request)
        }

        func requests(by user: String) -> [Request] { locked { log.filter { $0.user == user } } }
        func clear() { locked { log.removeAll() } }
    }

    let recorder: Recorder
    let controllers: ControllerManager
    let server: LocalAPIServer
    let kvdeck: KubeClient
    let kubeconfig: String
    let home: URL

    static func start() async throws -> ComparisonCluster {
        let api = LocalAPI()
        let recorder = Recorder(api)
        let controllers = ControllerManager(api: recorder, configuration: ControllerConfiguration(
            podStartDelay: .milliseconds(30), podTerminationDelay: .milliseconds(30), resyncInterval: .seconds(1),
            coalesceInterval: .milliseconds(5)))
        let token = UUID().uuidString
        let server = LocalAPIServer(handler: recorder, authority: try LocalCertificateAuthority(), tokens: [token: "kubectl"])
        let port = try await server.start()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-ops-\(UUID().uuidString)")
        var config = LocalKubeconfig(server: "https://127.0.0.1:\(port)", caCertificatePEM: server.authority.caCertificatePEM, token: token)
        config.namespace = "fixtures"
        let kubeconfig = try config.write(toDirectory: home)
        let kvdeck = KubeClient(connection: ClusterConnection(server: URL(string: "https://127.0.0.1:\(port)")!, transport: TransportOptions(),
                                                              credentials: NoCredentials(), namespace: "fixtures"),
                                transport: InProcessTransport(handler: recorder, user: "kvdeck"))
        await controllers.start()
        return ComparisonCluster(recorder: recorder, controllers: controllers, server: server, kvdeck: kvdeck,
                                 kubeconfig: kubeconfig, home: home)
    }

    private init(recorder: Recorder, controllers: ControllerManager, server: LocalAPIServer, kvdeck: KubeClient,
                 kubeconfig: String, home: URL) {
        self.recorder = recorder
        self.controllers = controllers
        self.server = server
        self.kvdeck = kvdeck
        self.kubeconfig = kubeconfig
        self.home = home
    }

    func stop() async {
        await server.stop()
        await controllers.stop()
        try? FileManager.default.removeItem(at: home)
    }

    /// Runs kubectl against this cluster off the concurrency pool (the pool serves its requests).
    func kubectl(_ arguments: [String]) async throws -> CommandRun {
        guard let kubectl = CommandRun.which("kubectl") else { throw KubectlMissing() }
        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin"]
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try CommandRun.run(kubectl, arguments, environment: environment) })
            }
        }
    }

    struct KubectlMissing: Error {}

    /// The recorded rollout scene: namespace, the three GPU nodes, Deployment vllm-qwen created and
    /// rolled to revision 2 with kubectl's own recorded request bodies, settled; and StatefulSet
    /// vllm-sts taken through two template changes.
    func seed() async throws {
        let client = KubeClient(connection: kvdeck.connection, transport: InProcessTransport(handler: recorder, user: "seed"))
        _ = try await client.create(Namespace.resourceType, body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fixtures"]])
        try await RecordedGPUNodes.create(using: client)
        let rollout = "02-deployment-rollout"
        let create = try Self.recordedBody(rollout, "01-create", method: "POST")
        _ = try await client.create(Deployment.resourceType, body: try JSONValue(json: create))
        try await settle(client)
        _ = try await client.patch(Deployment.resourceType, name: "vllm-qwen", patch: try Self.recordedBody(rollout, "03-set-image", method: "PATCH"),
                                   type: .strategicMerge, fieldManager: "kubectl-set")
        _ = try await client.patch(Deployment.resourceType, name: "vllm-qwen", patch: try Self.recordedBody(rollout, "04-annotate-change-cause", method: "PATCH"),
                                   type: .merge, fieldManager: "kubectl-annotate")
        try await settle(client)

        let sts = "04-statefulset"
        _ = try await client.create(StatefulSet.resourceType, body: try JSONValue(json: try Self.recordedBody(sts, "01-create", method: "POST")))
        try await settleStatefulSet(client, revisions: 1)
        _ = try await client.patch(StatefulSet.resourceType, name: "vllm-sts", patch: try Self.recordedBody(sts, "02-set-image", method: "PATCH"),
                                   type: .strategicMerge, fieldManager: "kubectl-set")
        try await settleStatefulSet(client, revisions: 2)
        _ = try await client.patch(StatefulSet.resourceType, name: "vllm-sts", patch: try Self.recordedBody(sts, "03-patch-args", method: "PATCH"),
                                   type: .json, fieldManager: "kubectl-patch")
        try await settleStatefulSet(client, revisions: 3)
        recorder.clear()
    }

    static func recordedBody(_ folder: String, _ capture: String, method: String) throws -> Data {
        let url = SharedFixtures.realAPIServer.appendingPathComponent(folder).appendingPathComponent("\(capture).kubectl-requests.jsonl")
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let request = try JSONValue(json: Data(line.utf8))
            if request["method"]?.stringValue == method { return Data((request["body"]?.stringValue ?? "").utf8) }
        }
        throw KubectlMissing()
    }

    /// Waits until the Deployment's rollout is complete (kubectl rollout status's judgement).
    func settle(_ client: KubeClient? = nil, name: String = "vllm-qwen") async throws {
        let client = client ?? kvdeck
        for _ in 0..<300 {
            let deployment = try await client.get(Deployment.self, name: name)
            if deployment.isRolloutComplete && deployment.status?.replicas == deployment.spec?.replicas { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Unsettled(name: name)
    }

    func settleStatefulSet(_ client: KubeClient, revisions: Int) async throws {
        for _ in 0..<400 {
            let sts = try await client.get(StatefulSet.self, name: "vllm-sts")
            let history = try await client.list(ControllerRevision.self, labelSelector: "app.kubernetes.io/name=vllm,app.kubernetes.io/instance=vllm-sts")
            if sts.isRolloutComplete && history.items.count >= revisions { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Unsettled(name: "vllm-sts")
    }

    struct Unsettled: Error { var name: String }
}
