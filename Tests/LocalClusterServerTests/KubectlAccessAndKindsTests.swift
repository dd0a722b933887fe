import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterServer
import XCTest
import YAML

/// kubectl against the local cluster over HTTPS, through the kubeconfig it writes with both of its
/// users: `auth can-i` and `auth whoami` for the administrator and the viewer, and PVCs, network
/// policies and disruption budgets applied, listed and refused to the viewer.
final class KubectlAccessAndKindsTests: XCTestCase {
    private var server: LocalAPIServer!
    private var home: URL!
    private var kubeconfig: String!

    override func setUp() async throws {
        let admin = UUID().uuidString, viewer = UUID().uuidString
        server = LocalAPIServer(handler: LocalAPI(), authority: try LocalCertificateAuthority(),
                                tokens: [admin: "kvdeck-admin", viewer: LocalUsers.viewerName])
        let port = try await server.start()
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-kubectl-\(UUID().uuidString)")
        kubeconfig = try LocalKubeconfig(server: "https://127.0.0.1:\(port)", caCertificatePEM: server.authority.caCertificatePEM,
                                         token: admin, viewerToken: viewer).write(toDirectory: home)
        let created = try await kubectl(["create", "namespace", "llm-prod"])
        XCTAssertEqual(created.status, 0, created.stderr)
    }

    override func tearDown() async throws {
        await server?.stop()
        if let home { try? FileManager.default.removeItem(at: home) }
    }

    func testAuthCanIAndWhoamiForTheAdministratorAndTheViewer() async throws {
        let can = ["auth", "can-i", "patch", "deployments.apps/vllm-qwen", "--subresource=scale", "-n", "llm-prod"]
        let admin = try await kubectl(can)
        XCTAssertEqual(admin.stdout, "yes\n", admin.stderr)
        XCTAssertEqual(admin.status, 0)
        let viewer = try await kubectl(["--context", "kvdeck-local-viewer"] + can)
        XCTAssertEqual(viewer.stdout, "no\n", viewer.stderr)
        XCTAssertEqual(viewer.status, 1)
        let viewerReads = try await kubectl(["--context", "kvdeck-local-viewer", "auth", "can-i", "watch", "pods", "-n", "llm-prod"])
        XCTAssertEqual(viewerReads.stdout, "yes\n", viewerReads.stderr)
        let viewerSecrets = try await kubectl(["--context", "kvdeck-local-viewer", "auth", "can-i", "get", "secrets", "-n", "llm-prod"])
        XCTAssertEqual(viewerSecrets.stdout, "no\n", viewerSecrets.stderr)

        let whoami = try await kubectl(["auth", "whoami", "-o", "json"])
        XCTAssertEqual(whoami.status, 0, whoami.stderr)
        let review = try JSONValue(json: whoami.stdout)
        XCTAssertEqual(review["kind"], "SelfSubjectReview")
        XCTAssertEqual(review["status"]?["userInfo"], ["username": "kvdeck-admin", "groups": ["system:masters", "system:authenticated"]])
        let viewerWho = try await kubectl(["--context", "kvdeck-local-viewer", "auth", "whoami"])
        XCTAssertEqual(viewerWho.status, 0, viewerWho.stderr)
        XCTAssertTrue(viewerWho.stdout.contains("Username    kvdeck-viewer"), viewerWho.stdout)
        XCTAssertTrue(viewerWho.stdout.contains("Groups      [kvdeck:viewers system:authenticated]"), viewerWho.stdout)
    }

    func testClaimsPoliciesAndBudgetsApplyListAndAreRefusedToTheViewer() async throws {
        let manifest = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: weights, namespace: llm-prod}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 50Gi}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: vllm, namespace: llm-prod}
        spec:
          podSelector: {matchLabels: {app: vllm}}
          ingress: [{ports: [{port: 8000}]}]
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: vllm, namespace: llm-prod}
        spec:
          minAvailable: 1
          selector: {matchLabels: {app: vllm}}
        """
        let file = home.appendingPathComponent("objects.yaml")
        try manifest.write(to: file, atomically: true, encoding: .utf8)
        let created = try await kubectl(["apply", "-f", file.path])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(created.stdout, "persistentvolumeclaim/weights created\nnetworkpolicy.networking.k8s.io/vllm created\npoddisruptionbudget.policy/vllm created\n")
        let unchanged = try await kubectl(["apply", "-f", file.path])
        XCTAssertEqual(unchanged.status, 0, unchanged.stderr)
        XCTAssertTrue(unchanged.stdout.contains("persistentvolumeclaim/weights unchanged"), unchanged.stdout)
        let serverSide = try await kubectl(["apply", "--server-side", "--force-conflicts", "-f", file.path])
        XCTAssertEqual(serverSide.status, 0, serverSide.stderr)
        XCTAssertTrue(serverSide.stdout.contains("poddisruptionbudget.policy/vllm serverside-applied"), serverSide.stdout)

        let claims = try await kubectl(["get", "pvc", "-n", "llm-prod"])
        XCTAssertEqual(claims.status, 0, claims.stderr)
        let lines = claims.stdout.split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("NAME      STATUS   VOLUME") == true, claims.stdout)
        XCTAssertTrue(lines.last?.contains("Bound") == true && lines.last?.contains("50Gi       RWO") == true, claims.stdout)
        let budgets = try await kubectl(["get", "pdb,netpol", "-n", "llm-prod", "--context", "kvdeck-local-viewer"])
        XCTAssertEqual(budgets.status, 0, budgets.stderr)
        XCTAssertTrue(budgets.stdout.contains("MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS"), budgets.stdout)
        XCTAssertTrue(budgets.stdout.contains("POD-SELECTOR"), budgets.stdout)
        XCTAssertTrue(budgets.stdout.contains("app=vllm"), budgets.stdout)

        let refused = try await kubectl(["--context", "kvdeck-local-viewer", "delete", "pvc", "weights", "-n", "llm-prod"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains(#"Error from server (Forbidden): persistentvolumeclaims "weights" is forbidden: User "kvdeck-viewer" cannot delete resource "persistentvolumeclaims" in API group "" in the namespace "llm-prod""#),
                      refused.stderr)
        let deleted = try await kubectl(["delete", "-f", file.path])
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        let none = try await kubectl(["get", "pvc,netpol,pdb", "-n", "llm-prod", "-o", "name"])
        XCTAssertEqual(none.stdout, "")
    }

    /// kubectl on a thread of its own: the server it talks to runs on the concurrency pool.
    private func kubectl(_ arguments: [String]) async throws -> CommandRun {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let environment = ["KUBECONFIG": kubeconfig!, "HOME": home.path, "PATH": "/usr/bin:/bin"]
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try CommandRun.run(kubectl, arguments, environment: environment) })
            }
        }
    }
}
