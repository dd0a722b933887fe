import Foundation
import Kube
import KvdeckTestSupport
@testable import Operations
import XCTest
import YAML

/// kubectl 1.32 and kvdeck's Operations, each on its own local cluster seeded alike, take the same
/// steps; after each, the writes both sent (method, path, query, content type, body, as the server
/// received them), what each printed, and the resulting objects must be the same.
final class KubectlComparisonTests: XCTestCase {
    var kubectlSide: ComparisonCluster!
    var kvdeckSide: ComparisonCluster!

    override func setUp() async throws {
        guard CommandRun.which("kubectl") != nil else { throw XCTSkip("kubectl is not installed") }
        kubectlSide = try await ComparisonCluster.start()
        kvdeckSide = try await ComparisonCluster.start()
        try await kubectlSide.seed()
        try await kvdeckSide.seed()
    }

    override func tearDown() async throws {
        await kubectlSide?.stop()
        await kvdeckSide?.stop()
    }

    var runner: OperationRunner { OperationRunner(client: kvdeckSide.kvdeck, settings: OperationSettings(checkAccess: false)) }
    let deployment = WorkloadRef(kind: .deployment, name: "vllm-qwen", namespace: "fixtures")
    let statefulSet = WorkloadRef(kind: .statefulSet, name: "vllm-sts", namespace: "fixtures")

    /// Runs kubectl on its side and `ours` on the other; compares writes and the printed line.
    func step(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line,
              _ ours: () async throws -> String) async throws {
        kubectlSide.recorder.clear()
        kvdeckSide.recorder.clear()
        let run = try await kubectlSide.kubectl(arguments + ["-n", "fixtures"])
        let kubectlLine = (run.status == 0 ? run.stdout : run.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        var ourLine: String
        do {
            ourLine = try await ours()
        } catch let error as OperationError {
            ourLine = "error: \(error)"
        }
        XCTAssertEqual(ourLine, kubectlLine, "printed line of kubectl \(arguments.joined(separator: " "))", file: file, line: line)
        let theirs = kubectlSide.recorder.requests(by: "kubectl").filter { $0.method != "GET" }
        let mine = kvdeckSide.recorder.requests(by: "kvdeck").filter { $0.method != "GET" }
        XCTAssertEqual(mine.map { strip($0) }, theirs.map { strip($0) }, "writes of \(arguments.joined(separator: " "))", file: file, line: line)
    }

    /// The user differs by design, and a PUT carries the object's uid, creation time and
    /// resourceVersion, which differ between the two clusters (the version with controller timing). kubectl 1.32's scale client sends its PUT with no
    /// Content-Type at all (the server assumes JSON); we say application/json, on purpose.
    /// Everything else must match.
    func strip(_ request: ComparisonCluster.Request) -> ComparisonCluster.Request {
        var request = request
        request.user = ""
        if request.method == "PUT", var body = try? JSONValue(json: Data(request.body.utf8)) {
            body["metadata"]?["uid"] = "UID"
            body["metadata"]?["creationTimestamp"] = "TIME"
            body["metadata"]?["resourceVersion"] = "RV"
            request.body = body.jsonString()
            request.contentType = nil
        }
        return request
    }

    /// The parts of the Deployment and its ReplicaSets an operation decides.
    func assertSameObjects(file: StaticString = #filePath, line: UInt = #line) async throws {
        try await kubectlSide.settle()
        try await kvdeckSide.settle()
        func view(_ side: ComparisonCluster) async throws -> JSONValue {
            let d = try await side.kvdeck.get(Deployment.resourceType, name: "vllm-qwen")
            let sets = try await side.kvdeck.list(ReplicaSet.resourceType, namespace: "fixtures").items
            var rs: [JSONValue] = []
            for set in sets {
                var row = JSONObject()
                row["name"] = set["metadata"]?["name"] ?? .null
                row["revision"] = set["metadata"]?["annotations"]?[Deployment.revisionAnnotation] ?? .null
                row["replicas"] = set["spec"]?["replicas"] ?? .null
                rs.append(.object(row))
            }
            rs.sort { ($0["name"]?.stringValue ?? "") < ($1["name"]?.stringValue ?? "") }
            var annotations = d["metadata"]?["annotations"] ?? .null
            annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
            return ["template": d["spec"]?["template"] ?? .null, "replicas": d["spec"]?["replicas"] ?? .null,
                    "paused": d["spec"]?["paused"] ?? .null, "annotations": annotations, "replicaSets": .array(rs)]
        }
        let theirs = try await view(kubectlSide), mine = try await view(kvdeckSide)
        XCTAssertEqual(mine, theirs, "\(mine.jsonString(pretty: true))\nversus kubectl's\n\(theirs.jsonString(pretty: true))", file: file, line: line)
    }

    func testDeploymentOperationsMatchKubectl() async throws {
        let client = kvdeckSide.kvdeck
        try await step(["rollout", "undo", "deployment/vllm-qwen"]) {
            try await self.runner.execute(try await RollbackOperation(client: client).prepare(self.deployment)).message
        }
        try await assertSameObjects()
        try await step(["rollout", "undo", "deployment/vllm-qwen", "--to-revision=2"]) {
            try await self.runner.execute(try await RollbackOperation(client: client).prepare(self.deployment, toRevision: 2)).message
        }
        try await assertSameObjects()
        try await step(["rollout", "undo", "deployment/vllm-qwen", "--to-revision=4"]) {
            try await self.runner.execute(try await RollbackOperation(client: client).prepare(self.deployment, toRevision: 4)).message
        }
        try await step(["rollout", "undo", "deployment/vllm-qwen", "--to-revision=42"]) {
            try await self.runner.execute(try await RollbackOperation(client: client).prepare(self.deployment, toRevision: 42)).message
        }
        try await step(["scale", "deployment/vllm-qwen", "--replicas=6", "--dry-run=server"]) {
            let dry = OperationRunner(client: client, settings: OperationSettings(dryRun: true, checkAccess: false))
            return try await dry.execute(try await ScaleOperation(client: client).prepare(self.deployment, replicas: 6)).message
        }
        try await step(["scale", "deployment/vllm-qwen", "--replicas=3"]) {
            try await self.runner.execute(try await ScaleOperation(client: client).prepare(self.deployment, replicas: 3)).message
        }
        try await assertSameObjects()
        try await step(["scale", "deployment/vllm-qwen", "--replicas=2", "--current-replicas=5"]) {
            try await self.runner.execute(try await ScaleOperation(client: client).prepare(self.deployment, replicas: 2, currentReplicas: 5)).message
        }
        try await step(["scale", "deployment/vllm-qwen", "--replicas=2", "--current-replicas=3"]) {
            try await self.runner.execute(try await ScaleOperation(client: client).prepare(self.deployment, replicas: 2, currentReplicas: 3)).message
        }
        try await assertSameObjects()
        try await restartStep()
        try await assertSameObjects()
        try await step(["rollout", "pause", "deployment/vllm-qwen"]) {
            try await self.runner.execute(try await PauseOperation(client: client).prepare(self.deployment, pause: true)).message
        }
        try await step(["rollout", "pause", "deployment/vllm-qwen"]) {
            try await self.runner.execute(try await PauseOperation(client: client).prepare(self.deployment, pause: true)).message
        }
        try await step(["rollout", "undo", "deployment/vllm-qwen"]) {
            try await self.runner.execute(try await RollbackOperation(client: client).prepare(self.deployment)).message
        }
        try await step(["rollout", "restart", "deployment/vllm-qwen"]) {
            try await self.runner.execute(try await RestartOperation(client: client).prepare(self.deployment)).message
        }
        try await step(["rollout", "resume", "deployment/vllm-qwen"]) {
            try await self.runner.execute(try await PauseOperation(client: client).prepare(self.deployment, pause: false)).message
        }
        try await step(["rollout", "resume", "deployment/vllm-qwen"]) {
            try await self.runner.execute(try await PauseOperation(client: client).prepare(self.deployment, pause: false)).message
        }
        try await assertSameObjects()
    }

    /// kubectl stamps its own clock: ours is set to the second kubectl sent.
    func restartStep() async throws {
        let client = kvdeckSide.kvdeck
        kubectlSide.recorder.clear()
        kvdeckSide.recorder.clear()
        let run = try await kubectlSide.kubectl(["rollout", "restart", "deployment/vllm-qwen", "-n", "fixtures"])
        let theirs = kubectlSide.recorder.requests(by: "kubectl").filter { $0.method == "PATCH" }
        let body = try JSONValue(json: Data((theirs.first?.body ?? "").utf8))
        let stamp = try XCTUnwrap(body.value(at: "spec", "template", "metadata", "annotations", RestartOperation.annotation)?.stringValue)
        let date = try XCTUnwrap(ISO8601DateFormatter().date(from: stamp))
        let zone = stamp.hasSuffix("Z") ? TimeZone(identifier: "UTC")! : TimeZone.current
        let result = try await runner.execute(try await RestartOperation(client: client, now: { date }, timeZone: zone).prepare(deployment))
        XCTAssertEqual(result.message, run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let mine = kvdeckSide.recorder.requests(by: "kvdeck").filter { $0.method == "PATCH" }
        XCTAssertEqual(mine.map(strip), theirs.map(strip))
    }

    func testStatefulSetUndoMatchesKubectl() async throws {
        let client = kvdeckSide.kvdeck
        try await step(["rollout", "undo", "statefulset/vllm-sts"]) {
            try await self.runner.execute(try await RollbackOperation(client: client).prepare(self.statefulSet)).message
        }
        try await step(["rollout", "undo", "statefulset/vllm-sts", "--to-revision=1"]) {
            try await self.runner.execute(try await RollbackOperation(client: client).prepare(self.statefulSet, toRevision: 1)).message
        }
        let theirs = try await kubectlSide.kvdeck.get(StatefulSet.resourceType, name: "vllm-sts")
        let mine = try await kvdeckSide.kvdeck.get(StatefulSet.resourceType, name: "vllm-sts")
        XCTAssertEqual(mine["spec"]?["template"], theirs["spec"]?["template"])
    }
}
