import Foundation
import Kube
import KvdeckTestSupport
@testable import Operations
import XCTest
import YAML

/// Each operation replayed against the recorded state before the matching kubectl run; the write
/// it sends must be the one kubectl 1.32 sent to the real v1.36 server, byte for byte (method,
/// path and query, content type, body), and every object kubectl read must have been read.
final class RecordedKubectlRequestTests: XCTestCase {
    let deploymentPath = "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen"
    let replicaSetsPath = "/apis/apps/v1/namespaces/fixtures/replicasets?labelSelector=app.kubernetes.io%2Finstance%3Dvllm-qwen%2Capp.kubernetes.io%2Fname%3Dvllm"
    let statefulSetPath = "/apis/apps/v1/namespaces/fixtures/statefulsets/vllm-sts"
    let revisionsPath = "/apis/apps/v1/namespaces/fixtures/controllerrevisions?labelSelector=app.kubernetes.io%2Finstance%3Dvllm-sts%2Capp.kubernetes.io%2Fname%3Dvllm"

    func recorded(_ folder: String, _ file: String) throws -> Data {
        try Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent(folder).appendingPathComponent(file))
    }

    /// The state a Deployment capture started from: the snapshot taken after the step before it.
    func deploymentScene(_ snapshot: String) throws -> RecordedTrafficTransport {
        RecordedTrafficTransport(answers: [
            deploymentPath: try recorded("02-deployment-rollout", "\(snapshot).deployment.json"),
            replicaSetsPath: try recorded("02-deployment-rollout", "\(snapshot).replicasets.json"),
        ])
    }

    func statefulSetScene(_ snapshot: String) throws -> RecordedTrafficTransport {
        RecordedTrafficTransport(answers: [
            statefulSetPath: try recorded("04-statefulset", "\(snapshot).statefulset.json"),
            revisionsPath: try recorded("04-statefulset", "\(snapshot).controllerrevisions.json"),
        ])
    }

    func runner(_ transport: RecordedTrafficTransport) -> OperationRunner {
        OperationRunner(client: RecordedTrafficTransport.client(transport), settings: OperationSettings(checkAccess: false))
    }

    func assertMatches(_ transport: RecordedTrafficTransport, _ capture: KubectlCapture,
                       file: StaticString = #filePath, line: UInt = #line) {
        let ours = transport.sent
        XCTAssertEqual(ours.filter { $0.method != "GET" }, capture.writes, file: file, line: line)
        let ourReads = Set(ours.filter { $0.method == "GET" }.map(\.url))
        for read in Set(capture.reads) {
            XCTAssertTrue(ourReads.contains(read), "kubectl read \(read); we did not", file: file, line: line)
        }
    }

    let deployment = WorkloadRef(kind: .deployment, name: "vllm-qwen", namespace: "fixtures")
    let statefulSet = WorkloadRef(kind: .statefulSet, name: "vllm-sts", namespace: "fixtures")

    func testUndoToPreviousRevision() async throws {
        let transport = try deploymentScene("05-after-rollout-complete")
        let runner = runner(transport)
        let result = try await runner.execute(try await RollbackOperation(client: runner.client).prepare(deployment))
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen rolled back")
        assertMatches(transport, try KubectlCapture("02-deployment-rollout", "06-rollout-undo"))
    }

    func testUndoToRevision2() async throws {
        let transport = try deploymentScene("06-after-rollout-undo")
        let runner = runner(transport)
        _ = try await runner.execute(try await RollbackOperation(client: runner.client).prepare(deployment, toRevision: 2))
        assertMatches(transport, try KubectlCapture("02-deployment-rollout", "07-rollout-undo-to-revision-2"))
    }

    func testUndoWhilePausedIsRefusedBeforeAnyWrite() async throws {
        let transport = try deploymentScene("10-after-rollout-pause")
        do {
            _ = try await RollbackOperation(client: RecordedTrafficTransport.client(transport)).prepare(deployment)
            XCTFail("a paused deployment was rolled back")
        } catch let error as OperationError {
            XCTAssertEqual("error: \(error)", try String(contentsOf: SharedFixtures.realAPIServer
                .appendingPathComponent("02-deployment-rollout/11-rollout-undo-while-paused.kubectl-output.txt"), encoding: .utf8)
                .split(separator: "\n").map(String.init)[1])
        }
        assertMatches(transport, try KubectlCapture("02-deployment-rollout", "11-rollout-undo-while-paused"))
    }

    func testUndoToTheCurrentRevisionIsSkipped() async throws {
        let transport = try deploymentScene("07-after-rollout-undo-to-revision-2")
        let operation = try await RollbackOperation(client: RecordedTrafficTransport.client(transport)).prepare(deployment, toRevision: 4)
        XCTAssertNil(operation.request)
        XCTAssertEqual(operation.noOpMessage, "skipped rollback (current template already matches revision 4)")
        do {
            _ = try await RollbackOperation(client: RecordedTrafficTransport.client(transport)).prepare(deployment, toRevision: 9)
            XCTFail("revision 9 does not exist")
        } catch let error as OperationError {
            XCTAssertEqual(error.description, "unable to find specified revision 9 in history")
        }
    }

    func testScale() async throws {
        let transport = try deploymentScene("07-after-rollout-undo-to-revision-2")
        let runner = runner(transport)
        let result = try await runner.execute(try await ScaleOperation(client: runner.client).prepare(deployment, replicas: 3))
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen scaled")
        assertMatches(transport, try KubectlCapture("02-deployment-rollout", "08-scale"))
    }

    func testScaleServerDryRun() async throws {
        let transport = try deploymentScene("08-after-scale")
        let runner = OperationRunner(client: RecordedTrafficTransport.client(transport),
                                     settings: OperationSettings(dryRun: true, checkAccess: false))
        let result = try await runner.execute(try await ScaleOperation(client: runner.client).prepare(deployment, replicas: 6))
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen scaled (server dry run)")
        assertMatches(transport, try KubectlCapture("11-dry-run-and-apply", "kubectl-scale-dry-run-server"))
    }

    func testRestart() async throws {
        let transport = try deploymentScene("08-after-scale")
        let capture = try KubectlCapture("02-deployment-rollout", "09-rollout-restart")
        // kubectl stamped its own clock; ours is set to the same second.
        let stamp = try XCTUnwrap(ISO8601DateFormatter().date(from: "2026-11-21T10:20:18Z"))
        let runner = runner(transport)
        let operation = try await RestartOperation(client: runner.client, now: { stamp }, timeZone: TimeZone(identifier: "UTC")!)
            .prepare(deployment)
        let result = try await runner.execute(operation)
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen restarted")
        assertMatches(transport, capture)
    }

    func testPauseAndResume() async throws {
        var transport = try deploymentScene("09-after-rollout-restart")
        var runner = runner(transport)
        var result = try await runner.execute(try await PauseOperation(client: runner.client).prepare(deployment, pause: true))
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen paused")
        assertMatches(transport, try KubectlCapture("02-deployment-rollout", "10-rollout-pause"))

        transport = try deploymentScene("10-after-rollout-pause")
        runner = self.runner(transport)
        result = try await runner.execute(try await PauseOperation(client: runner.client).prepare(deployment, pause: false))
        XCTAssertEqual(result.message, "deployment.apps/vllm-qwen resumed")
        assertMatches(transport, try KubectlCapture("02-deployment-rollout", "12-rollout-resume"))
    }

    func testStatefulSetUndoSendsTheStoredRevisionVerbatim() async throws {
        let transport = try statefulSetScene("03-after-args-change")
        let runner = runner(transport)
        let result = try await runner.execute(try await RollbackOperation(client: runner.client).prepare(statefulSet))
        XCTAssertEqual(result.message, "statefulset.apps/vllm-sts rolled back")
        assertMatches(transport, try KubectlCapture("04-statefulset", "05-rollout-undo"))
    }

    func testStatefulSetUndoToRevision1() async throws {
        let transport = try statefulSetScene("05-after-rollout-undo")
        let runner = runner(transport)
        _ = try await runner.execute(try await RollbackOperation(client: runner.client).prepare(statefulSet, toRevision: 1))
        assertMatches(transport, try KubectlCapture("04-statefulset", "06-rollout-undo-to-revision-1"))
    }

    func testHistoryMatchesKubectlsTable() async throws {
        let transport = try deploymentScene("12-after-rollout-resume")
        let entries = try await RolloutHistory(client: RecordedTrafficTransport.client(transport)).entries(deployment)
        XCTAssertEqual(entries.map(\.revision), [3, 4, 5])
        XCTAssertEqual(entries.first?.images, ["vllm/vllm-openai:v0.6.3"])
        XCTAssertEqual(entries.first?.model, "Qwen/Qwen2.5-0.5B-Instruct")
        let stsEntries = try await RolloutHistory(client: RecordedTrafficTransport.client(try statefulSetScene("03-after-args-change")))
            .entries(statefulSet)
        XCTAssertEqual(stsEntries.map(\.revision), [1, 2, 3])
        XCTAssertEqual(stsEntries.last?.args[5], "4096")
    }

    func testStatusChecksInKubectlsOrder() throws {
        func deployment(_ snapshot: String, _ folder: String = "02-deployment-rollout") throws -> JSONValue {
            try JSONValue(json: try recorded(folder, snapshot))
        }
        XCTAssertEqual(try RolloutStatusCheck.deployment(try deployment("05-after-rollout-complete.deployment.json")).message,
                       "deployment \"vllm-qwen\" successfully rolled out")
        XCTAssertFalse(try RolloutStatusCheck.deployment(try deployment("03-after-set-image.deployment.json")).done)
        XCTAssertThrowsError(try RolloutStatusCheck.deployment(try deployment("vllm-too-big.deployment.json", "13-extras"))) { error in
            XCTAssertEqual("\(error)", "deployment \"vllm-too-big\" exceeded its progress deadline")
        }
        XCTAssertThrowsError(try RolloutStatusCheck.deployment(try deployment("05-after-rollout-complete.deployment.json"), revision: 7)) {
            XCTAssertEqual("\($0)", "desired revision (7) is different from the running revision (2)")
        }
        let sts = try JSONValue(json: try recorded("04-statefulset", "01-after-create.statefulset.json"))
        XCTAssertEqual(try RolloutStatusCheck.statefulSet(sts).message,
                       "statefulset rolling update complete 2 pods at revision vllm-sts-66c4475758...")
    }

    /// `rollout history --revision=N` prints what kubectl printed, line for line.
    func testRevisionDetailIsKubectlsDescribeText() async throws {
        func expected(_ folder: String, _ capture: String) throws -> String {
            let text = try String(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent(folder)
                .appendingPathComponent("\(capture).kubectl-output.txt"), encoding: .utf8)
            // Drop the command line and the exit status the recorder added around kubectl's stdout.
            var lines = text.components(separatedBy: "\n").dropFirst()
            while let last = lines.last, last.isEmpty || last.hasPrefix("(exit status") { lines.removeLast() }
            return lines.joined(separator: "\n") + "\n\n"
        }
        let deploymentEntries = try await RolloutHistory(client: RecordedTrafficTransport.client(
            try deploymentScene("07-after-rollout-undo-to-revision-2"))).entries(deployment)
        let four = try XCTUnwrap(deploymentEntries.first { $0.revision == 4 })
        XCTAssertEqual(PodTemplateDescription.revisionText(ref: deployment, entry: four),
                       try expected("02-deployment-rollout", "07-rollout-history-revision-4"))
        let stsEntries = try await RolloutHistory(client: RecordedTrafficTransport.client(
            try statefulSetScene("03-after-args-change"))).entries(statefulSet)
        let two = try XCTUnwrap(stsEntries.first { $0.revision == 2 })
        XCTAssertEqual(PodTemplateDescription.revisionText(ref: statefulSet, entry: two),
                       try expected("04-statefulset", "04-rollout-history-revision-2"))
    }
}
