import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterServer
@testable import Operations
import XCTest
import YAML

/// The safety rails against the real local cluster over HTTPS (libcurl, the kubeconfig it writes):
/// the administrator's SelfSubjectAccessReview says allowed, the change goes through and the audit
/// log names the user the server's SelfSubjectReview names; the viewer's review says denied and
/// nothing is sent or logged.
final class LocalClusterAccessTests: XCTestCase {
    private var server: LocalAPIServer!
    private var home: URL!
    private var kubeconfig: String!
    private var transports: [CurlTransport] = []
    let deployment = WorkloadRef(kind: .deployment, name: "vllm-qwen", namespace: "fixtures")

    override func setUp() async throws {
        let api = LocalAPI()
        let admin = UUID().uuidString, viewer = UUID().uuidString
        server = LocalAPIServer(handler: api, authority: try LocalCertificateAuthority(),
                                tokens: [admin: "kvdeck-admin", viewer: LocalUsers.viewerName])
        let port = try await server.start()
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-access-\(UUID().uuidString)")
        var config = LocalKubeconfig(server: "https://127.0.0.1:\(port)", caCertificatePEM: server.authority.caCertificatePEM,
                                     token: admin, viewerToken: viewer)
        config.namespace = "fixtures"
        kubeconfig = try config.write(toDirectory: home)
        let seed = KubeClient(connection: ClusterConnection(server: URL(string: "https://127.0.0.1:\(port)")!, transport: TransportOptions(),
                                                            credentials: NoCredentials(), namespace: "fixtures"),
                              transport: InProcessTransport(handler: api, user: "seed"))
        _ = try await seed.create(Namespace.resourceType, body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fixtures"]])
        let manifest = try YAML.parse(String(contentsOf: SharedFixtures.realAPIServer
            .appendingPathComponent("02-deployment-rollout/vllm-qwen.deployment.yaml"), encoding: .utf8))
        _ = try await seed.create(Deployment.resourceType, body: manifest)
    }

    override func tearDown() async throws {
        for transport in transports { transport.shutdown() }
        await server?.stop()
        if let home { try? FileManager.default.removeItem(at: home) }
    }

    /// A client for one of the kubeconfig's contexts, over libcurl.
    private func client(context: String) throws -> KubeClient {
        let connection = try KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: kubeconfig, context: context),
                                              environment: ["HOME": home.path]).resolve()
        let transport = try CurlTransport(options: connection.transport)
        transports.append(transport)
        return KubeClient(connection: connection, transport: transport)
    }

    func testTheAdministratorIsAllowedAndAuditedUnderItsOwnName() async throws {
        let log = AuditLog(url: home.appendingPathComponent("audit/audit.log"))
        let runner = OperationRunner(client: try client(context: "kvdeck-local"), settings: OperationSettings(auditLog: log))
        let operation = try await ScaleOperation(client: runner.client).prepare(deployment, replicas: 3)
        let decision = await runner.access(for: operation)
        XCTAssertEqual(decision, AccessDecision(verdict: .allowed, reason: nil))
        let result = try await runner.execute(operation)
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen scaled")
        let lines = try String(contentsOf: log.url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let entry = try JSONValue(json: Data(lines[0].utf8))
        XCTAssertEqual(entry["user"], "kvdeck-admin")
        XCTAssertEqual(entry["result"], "success")
        XCTAssertEqual(entry["request"]?["path"], "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen/scale")
        let scaled = try await runner.client.get(Deployment.self, name: "vllm-qwen")
        XCTAssertEqual(scaled.spec?.replicas, 3)
    }

    func testTheViewerIsDeniedBeforeAnythingIsSent() async throws {
        let log = AuditLog(url: home.appendingPathComponent("audit/audit.log"))
        let runner = OperationRunner(client: try client(context: "kvdeck-local-viewer"), settings: OperationSettings(auditLog: log))
        let operation = try await assertViewerScaleRefused(runner, deployment)
        XCTAssertFalse(FileManager.default.fileExists(atPath: log.url.path), "nothing was sent, so nothing is logged")
        // Were the review skipped, the server itself refuses, with the real server's words.
        let unchecked = OperationRunner(client: runner.client, settings: OperationSettings(checkAccess: false))
        do {
            _ = try await unchecked.execute(operation)
            XCTFail("the server let the viewer scale")
        } catch let error as KubeAPIError {
            XCTAssertEqual(error.code, 403)
            XCTAssertTrue(error.description.contains(#"User "kvdeck-viewer" cannot patch resource "deployments/scale""#), error.description)
        }
        let admin = try client(context: "kvdeck-local")
        let unchanged = try await admin.get(Deployment.self, name: "vllm-qwen")
        XCTAssertEqual(unchanged.spec?.replicas, 2)
    }
}
