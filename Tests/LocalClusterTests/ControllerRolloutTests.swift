import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import XCTest
import YAML

/// The recorded rollout sequence (fixtures 02-deployment-rollout) driven through the in-process
/// client against LocalAPI and the controllers, compared step by step with the real control plane.
final class ControllerRolloutTests: RecordedSequenceTestCase {
    override class var folder: URL { SharedFixtures.realAPIServer.appendingPathComponent("02-deployment-rollout") }
    static let selector = "app.kubernetes.io/name=vllm,app.kubernetes.io/instance=vllm-qwen"

    // MARK: - Helpers

    func applyRecorded(_ capture: String) async throws {
        let patch = try recordedPatch(capture)
        _ = try await client.patch(Deployment.resourceType, name: "vllm-qwen", patch: patch.body, type: patch.type,
                                   fieldManager: patch.fieldManager)
    }

    func deployment() async throws -> Deployment { try await client.get(Deployment.self, name: "vllm-qwen") }

    func replicaSets() async throws -> [ReplicaSet] {
        try await client.list(ReplicaSet.self, namespace: "fixtures", labelSelector: Self.selector).items
    }

    /// Polls (bounded) until `kubectl rollout status` would say "successfully rolled out" and the
    /// replica sets have settled (old ones at 0 and every pod counted).
    func waitForRollout(file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let d = try await deployment()
            let sets = try await replicaSets()
            let settled = sets.allSatisfy { ($0.spec?.replicas ?? 0) == ($0.status?.replicas ?? 0) }
            if d.isRolloutComplete, settled, d.status?.conditions?.first(ofType: "Progressing")?.reason != "DeploymentResumed" { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let d = try await deployment()
        XCTFail("rollout did not complete: \(d.rolloutState) \(String(describing: d.status))", file: file, line: line)
    }

    /// Compares the step with the recorded snapshots: revision, conditions, counts, the replica
    /// sets by revision with their replicas and annotations, and which one is current.
    func compare(_ step: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let real = try JSONValueDecoder().decode(Deployment.self, from: try recorded("\(step).deployment.json"))
        let realSets = try KubeList<ReplicaSet>(listBody: try recorded("\(step).replicasets.json").jsonData()).items
        let d = try await deployment()
        let sets = try await replicaSets()
        XCTAssertEqual(d.revision, real.revision, "\(step): revision", file: file, line: line)
        XCTAssertEqual(d.spec?.replicas, real.spec?.replicas, "\(step): replicas", file: file, line: line)
        XCTAssertEqual(d.metadata.annotations?["kubernetes.io/change-cause"], real.metadata.annotations?["kubernetes.io/change-cause"],
                       "\(step): change-cause", file: file, line: line)
        XCTAssertEqual(d.status?.observedGeneration, d.metadata.generation, "\(step): observedGeneration", file: file, line: line)
        for type in ["Progressing", "Available"] {
            let mine = d.status?.conditions?.first(ofType: type), theirs = real.status?.conditions?.first(ofType: type)
            XCTAssertEqual(mine?.reason, theirs?.reason, "\(step): \(type) reason", file: file, line: line)
            XCTAssertEqual(mine?.status, theirs?.status, "\(step): \(type) status", file: file, line: line)
            // Messages name our ReplicaSet, whose hash differs from the real one: compare the shape.
            let shape = { (text: String?) in text?.replacingOccurrences(of: #""[^"]*""#, with: "\"X\"", options: .regularExpression) }
            XCTAssertEqual(shape(mine?.message), shape(theirs?.message), "\(step): \(type) message", file: file, line: line)
        }
        for key in [\DeploymentStatus.replicas, \.updatedReplicas, \.readyReplicas, \.availableReplicas] {
            XCTAssertEqual(d.status?[keyPath: key] ?? 0, real.status?[keyPath: key] ?? 0, "\(step): status \(key)", file: file, line: line)
        }
        XCTAssertEqual(sets.count, realSets.count, "\(step): number of ReplicaSets", file: file, line: line)
        func summary(_ sets: [ReplicaSet]) -> [String] {
            sets.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }.map { rs in
                let a = rs.metadata.annotations ?? [:]
                return "rev \(rs.revision ?? -1) replicas \(rs.spec?.replicas ?? -1) desired \(a["deployment.kubernetes.io/desired-replicas"] ?? "-") max \(a["deployment.kubernetes.io/max-replicas"] ?? "-") history \(a["deployment.kubernetes.io/revision-history"] ?? "-") cause \(a["kubernetes.io/change-cause"] != nil)"
            }
        }
        XCTAssertEqual(summary(sets), summary(realSets), "\(step): ReplicaSets", file: file, line: line)
        let current = sets.first { $0.revision == d.revision }
        XCTAssertNotNil(current, "\(step): a ReplicaSet holds the deployment's revision", file: file, line: line)
        XCTAssertEqual(current?.metadata.name, "vllm-qwen-\(current?.podTemplateHash ?? "")", file: file, line: line)
        XCTAssertEqual(current?.spec?.replicas, d.spec?.replicas, file: file, line: line)
        let pods = try await client.list(Pod.self, namespace: "fixtures", labelSelector: Self.selector).items
        XCTAssertEqual(pods.filter { $0.isReady && $0.metadata.labels?["pod-template-hash"] == current?.podTemplateHash }.count,
                       d.spec?.replicas, "\(step): ready pods of the current ReplicaSet", file: file, line: line)
    }

    /// `kubectl rollout undo [--to-revision=N]`, as kubectl computes it (console-anchors §2b)
    /// from this cluster's ReplicaSets: the recorded bodies carry the real cluster's hashes.
    func rolloutUndo(toRevision: Int64 = 0) async throws {
        let d = try await client.get(Deployment.resourceType, name: "vllm-qwen")
        let sets = try await client.list(ReplicaSet.resourceType, namespace: "fixtures",
                                         options: ListOptions(labelSelector: Self.selector)).items
        func revision(_ rs: JSONValue) -> Int64 { Int64(rs["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"]?.stringValue ?? "") ?? 0 }
        let byRevision = sets.sorted { revision($0) < revision($1) }
        let target = toRevision == 0 ? byRevision.dropLast().last : byRevision.first { revision($0) == toRevision }
        guard var template = target?["spec"]?["template"] else { return XCTFail("no revision to roll back to") }
        template["metadata"]?["labels"]?["pod-template-hash"] = nil
        let skip: Set<String> = ["kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
                                 "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
                                 "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to"]
        var annotations = JSONObject()
        for (k, v) in d["metadata"]?["annotations"]?.objectValue?.entries ?? [] where skip.contains(k) { annotations[k] = v }
        for (k, v) in target?["metadata"]?["annotations"]?.objectValue?.entries ?? [] where !skip.contains(k) { annotations[k] = v }
        let patch: JSONValue = [["op": "replace", "path": "/spec/template", "value": template],
                                ["op": "replace", "path": "/metadata/annotations", "value": .object(annotations)]]
        _ = try await client.patch(Deployment.resourceType, name: "vllm-qwen", patch: patch.jsonData(), type: .json)
    }

    // MARK: - Tests

    func testRecordedRolloutSequence() async throws {
        let manifest = try YAML.parse(String(contentsOf: Self.folder.appendingPathComponent("vllm-qwen.deployment.yaml"), encoding: .utf8))
        _ = try await client.create(Deployment.resourceType, body: manifest, fieldManager: "kubectl-create")
        try await waitForRollout()
        try await compare("02-after-rollout-complete")
        let firstHash = try await replicaSets().first?.podTemplateHash

        try await applyRecorded("03-set-image")
        try await applyRecorded("04-annotate-change-cause")
        try await waitForRollout()
        try await compare("05-after-rollout-complete")

        try await rolloutUndo()
        try await waitForRollout()
        try await compare("06-after-rollout-undo")
        let afterUndo = try await replicaSets().first { $0.revision == 3 }
        XCTAssertEqual(afterUndo?.podTemplateHash, firstHash, "undo brings back the first ReplicaSet as revision 3")

        try await rolloutUndo(toRevision: 2)
        try await waitForRollout()
        try await compare("07-after-rollout-undo-to-revision-2")

        _ = try await client.patch(Deployment.resourceType, name: "vllm-qwen", subresource: "scale",
                                   patch: Data(#"{"spec":{"replicas":3}}"#.utf8), type: .merge)
        try await waitForRollout()
        try await compare("08-after-scale")

        try await applyRecorded("09-rollout-restart")
        try await waitForRollout()
        try await compare("09-after-rollout-restart")

        try await applyRecorded("10-rollout-pause")
        let deadline = Date().addingTimeInterval(10)
        while try await deployment().status?.conditions?.first(ofType: "Progressing")?.reason != "DeploymentPaused", Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await compare("10-after-rollout-pause")
        // kubectl refuses an undo while paused without writing: nothing changes (step 11).
        try await compare("11-after-undo-while-paused")

        try await applyRecorded("12-rollout-resume")
        try await waitForRollout()
        try await compare("12-after-rollout-resume")
    }

    func testPausedDeploymentDoesNotRollOut() async throws {
        let manifest = try YAML.parse(String(contentsOf: Self.folder.appendingPathComponent("vllm-qwen.deployment.yaml"), encoding: .utf8))
        _ = try await client.create(Deployment.resourceType, body: manifest)
        try await waitForRollout()
        try await applyRecorded("10-rollout-pause")
        try await applyRecorded("03-set-image")
        try await Task.sleep(for: .milliseconds(300))
        let pausedSets = try await replicaSets().count
        let pausedRevision = try await deployment().revision
        XCTAssertEqual(pausedSets, 1, "no new ReplicaSet while paused")
        XCTAssertEqual(pausedRevision, 1)
        try await applyRecorded("12-rollout-resume")
        try await waitForRollout()
        let resumedSets = try await replicaSets().count
        let resumedRevision = try await deployment().revision
        XCTAssertEqual(resumedSets, 2)
        XCTAssertEqual(resumedRevision, 2)
    }

    func testPodTooBigForAnyNodeStaysPendingWithFailedScheduling() async throws {
        let manifest = try YAML.parse(String(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("13-extras/vllm-too-big.deployment.yaml"), encoding: .utf8))
        _ = try await client.create(Deployment.resourceType, body: manifest)
        let recordedEvents = try JSONValue(json: Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("13-extras/vllm-too-big.events.json")))
        let expected = recordedEvents["items"]?.arrayValue?.first { $0["reason"]?.stringValue == "FailedScheduling" }?["message"]?.stringValue
        var event: Event?
        let deadline = Date().addingTimeInterval(10)
        while event == nil, Date() < deadline {
            event = try await client.list(Event.self, namespace: "fixtures").items.first { $0.reason == "FailedScheduling" }
            if event == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertEqual(event?.message, expected)
        XCTAssertEqual(event?.type, "Warning")
        XCTAssertEqual(event?.reportingComponent, "default-scheduler")
        let pod = try await client.list(Pod.self, namespace: "fixtures").items.first { $0.metadata.name?.hasPrefix("vllm-too-big-") == true }
        XCTAssertEqual(pod?.status?.phase, "Pending")
        let scheduled = pod?.status?.conditions?.first(ofType: "PodScheduled")
        XCTAssertEqual(scheduled?.status, "False")
        XCTAssertEqual(scheduled?.reason, "Unschedulable")
        XCTAssertNil(pod?.spec?.nodeName)
    }

    func testEventsAndGarbageCollection() async throws {
        let manifest = try YAML.parse(String(contentsOf: Self.folder.appendingPathComponent("vllm-qwen.deployment.yaml"), encoding: .utf8))
        _ = try await client.create(Deployment.resourceType, body: manifest)
        try await waitForRollout()
        let rs = try await replicaSets()[0]
        let events = try await client.list(Event.self, namespace: "fixtures").items
        XCTAssertTrue(events.contains { $0.reason == "ScalingReplicaSet" && $0.message == "Scaled up replica set \(rs.metadata.name!) from 0 to 2"
            && $0.source?.component == "deployment-controller" })
        XCTAssertEqual(events.filter { $0.reason == "SuccessfulCreate" && $0.message?.hasPrefix("Created pod: \(rs.metadata.name!)-") == true }.count, 2)
        XCTAssertEqual(events.filter { $0.reason == "Scheduled" && $0.message?.hasPrefix("Successfully assigned fixtures/\(rs.metadata.name!)-") == true }.count, 2)
        let pods = try await client.list(Pod.self, namespace: "fixtures").items
        XCTAssertTrue(pods.allSatisfy { $0.status?.podIP?.hasPrefix("10.244.") == true && $0.status?.phase == "Running" })

        try await client.delete(Deployment.resourceType, name: "vllm-qwen")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let left = try await client.list(Pod.self, namespace: "fixtures").items.count + (try await replicaSets().count)
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let setsLeft = try await replicaSets().count
        let podsLeft = try await client.list(Pod.self, namespace: "fixtures").items.count
        XCTAssertEqual(setsLeft, 0)
        XCTAssertEqual(podsLeft, 0)
    }
}
