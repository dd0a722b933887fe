import Foundation
import Kube
import KvdeckTestSupport
@testable import Operations
import XCTest
import YAML

/// The safety rails around every write: the SelfSubjectAccessReview before it (answered with the
/// recorded real server's reviews for the viewer and the admin), `--read-only`, and the audit log
/// with the user the server names in its SelfSubjectReview.
final class AccessAndAuditTests: XCTestCase {
    let reviews = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    let whoami = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
    let deploymentPath = "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen"
    let deployment = WorkloadRef(kind: .deployment, name: "vllm-qwen", namespace: "fixtures")

    func recorded(_ file: String) throws -> Data {
        try Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("10-access-reviews").appendingPathComponent(file))
    }

    func scene(reviewAnswer: String) throws -> RecordedTrafficTransport {
        let transport = RecordedTrafficTransport(answers: [
            deploymentPath: try Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("02-deployment-rollout/08-after-scale.deployment.json")),
        ])
        transport.postAnswers = [reviews: try recorded(reviewAnswer), whoami: try recorded("selfsubjectreview.admin-token.response.json")]
        return transport
    }

    func testTheViewerIsRefusedBeforeAnythingIsSent() async throws {
        let transport = try scene(reviewAnswer: "ssar.patch-deployments-scale.viewer-token.response.json")
        let log = AuditLog(url: FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-audit-\(UUID().uuidString).log"))
        let runner = OperationRunner(client: RecordedTrafficTransport.client(transport), settings: OperationSettings(auditLog: log))
        try await assertViewerScaleRefused(runner, deployment)
        XCTAssertFalse(transport.sent.contains { $0.method == "PATCH" })
        XCTAssertFalse(FileManager.default.fileExists(atPath: log.url.path))
        // The review asks what `kubectl auth can-i patch deployments.apps/vllm-qwen --subresource=scale` asks.
        let review = try XCTUnwrap(transport.sent.first { $0.url == reviews }?.body)
        let sent = try JSONValue(json: Data(review.utf8))
        let expected = try JSONValue(json: try recorded("ssar.patch-deployments-scale.request.json"))
        XCTAssertEqual(sent["spec"], expected["spec"])
    }

    func testTheAdminScalesAndTheChangeIsAudited() async throws {
        let transport = try scene(reviewAnswer: "ssar.patch-deployments-scale.admin-token.response.json")
        let log = AuditLog(url: FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-audit-\(UUID().uuidString)/audit.log"))
        defer { try? FileManager.default.removeItem(at: log.url.deletingLastPathComponent()) }
        let runner = OperationRunner(client: RecordedTrafficTransport.client(transport), settings: OperationSettings(auditLog: log))
        let result = try await runner.execute(try await ScaleOperation(client: runner.client).prepare(deployment, replicas: 5))
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen scaled")
        let lines = try String(contentsOf: log.url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let entry = try JSONValue(json: Data(lines[0].utf8))
        XCTAssertEqual(entry["user"], "console-admin")
        XCTAssertEqual(entry["verb"], "scale")
        XCTAssertEqual(entry["object"], "deployment.apps/vllm-qwen")
        XCTAssertEqual(entry["result"], "success")
        XCTAssertEqual(entry["request"]?["method"], "PATCH")
        XCTAssertEqual(entry["request"]?["path"], "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen/scale")
        XCTAssertEqual(entry["request"]?["body"], ["spec": ["replicas": 5]])
        let attributes = try FileManager.default.attributesOfItem(atPath: log.url.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testReadOnlyRefusesEveryChange() async throws {
        let transport = try scene(reviewAnswer: "ssar.patch-deployments-scale.admin-token.response.json")
        let runner = OperationRunner(client: RecordedTrafficTransport.client(transport), settings: OperationSettings(readOnly: true))
        let operation = try await RestartOperation(client: runner.client).prepare(deployment)
        do {
            _ = try await runner.execute(operation)
            XCTFail("read-only mode restarted a deployment")
        } catch let error as OperationError {
            XCTAssertEqual(error, .readOnly(verb: "rollout restart", object: "deployment.apps/vllm-qwen"))
        }
        XCTAssertTrue(transport.sent.allSatisfy { $0.method == "GET" })
    }

    func testAuditLogLocation() {
        XCTAssertEqual(AuditLog.defaultURL(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]).path, "/s/kvdeck/audit.log")
        XCTAssertEqual(AuditLog.defaultURL(environment: ["HOME": "/h"]).path, "/h/.local/state/kvdeck/audit.log")
    }
}
