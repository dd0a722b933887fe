import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterTestSupport
import XCTest
import YAML

/// Watch clients must see what they saw on the real control plane: the recorded pod watch
/// (06-watch/pods.watch.bookmarks.timeout-20) ran while `vllm-qwen` was scaled 3 → 5 → 3. Each
/// pod's own sequence of events (type, phase, bound, deletion grace, readiness) must match the
/// recording's; the interleaving between pods depends on timing and is not compared.
final class WatchEventOrderTests: XCTestCase {
    typealias Signature = [String]

    static func step(type: String, _ pod: JSONValue) -> String {
        let phase = pod["status"]?["phase"]?.stringValue ?? "-"
        let bound = !(pod["spec"]?["nodeName"]?.stringValue ?? "").isEmpty
        let grace = pod["metadata"]?["deletionGracePeriodSeconds"]?.intValue.map(String.init) ?? "-"
        let ready = pod["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" }?["status"]?.stringValue ?? "-"
        return "\(type) phase=\(phase) bound=\(bound) deletionGrace=\(grace) ready=\(ready)"
    }

    /// Per pod name, its events in order, from a recorded watch body.
    static func recordedSignatures() throws -> [Signature] {
        let url = SharedFixtures.realAPIServer.appendingPathComponent("06-watch/pods.watch.bookmarks.timeout-20.jsonl")
        var byPod: [String: Signature] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let event = try JSONValue(json: Data(line.utf8))
            let type = event["type"]?.stringValue ?? ""
            guard type != "BOOKMARK", let object = event["object"], let name = object["metadata"]?["name"]?.stringValue else { continue }
            byPod[name, default: []].append(step(type: type, object))
        }
        return byPod.values.sorted { $0.joined() < $1.joined() }
    }

    func testScaleUpAndDownGivesEachPodTheRecordedEventSequence() async throws {
        let cluster = try await RunningLocalCluster.start()
        defer { Task { await cluster.stop() } }
        let client = cluster.client
        let manifest = try YAML.parse(String(contentsOf: SharedFixtures.realAPIServer
            .appendingPathComponent("02-deployment-rollout/vllm-qwen.deployment.yaml"), encoding: .utf8))
        _ = try await client.create(Deployment.resourceType, body: manifest)
        // The manifest asks for 2; the recording starts from 3 (scaled up earlier in the sequence).
        try await scale(client, to: 3)
        try await waitForPods(client, running: 3)
        // On the recorded cluster the three pods had been ready for minutes when the scale-up
        // came: the scale-down ranking (ready time on a log scale) then picks the two new ones.
        try await Task.sleep(for: .seconds(2.5))

        let listed = try await client.list(Pod.self, namespace: "fixtures")
        let events = client.watch(Pod.resourceType, namespace: "fixtures", options: WatchOptions(
            resourceVersion: listed.metadata.resourceVersion, allowBookmarks: true))
        async let collected = Self.collectUntilTwoDeleted(events)

        try await scale(client, to: 5)
        try await waitForPods(client, running: 5)
        try await scale(client, to: 3)
        let byPod = try await collected

        let mine = byPod.values.sorted { $0.joined() < $1.joined() }
        let recorded = try Self.recordedSignatures()
        XCTAssertEqual(recorded.count, 2, "the recording has two pods that came and went")
        XCTAssertEqual(mine, recorded, "per-pod event sequences differ from the recorded real ones:\n\(byPod)")
    }

    // MARK: - Helpers

    static func collectUntilTwoDeleted(_ events: AsyncThrowingStream<WatchEvent<JSONValue>, Error>) async throws -> [String: Signature] {
        var byPod: [String: Signature] = [:]
        for try await event in events {
            record(event, into: &byPod)
            if byPod.values.filter({ $0.last?.hasPrefix("DELETED") == true }).count == 2 { break }
        }
        return byPod
    }

    static func record(_ event: WatchEvent<JSONValue>, into byPod: inout [String: Signature]) {
        let type: String, pod: JSONValue
        switch event {
        case .added(let p): type = "ADDED"; pod = p
        case .modified(let p): type = "MODIFIED"; pod = p
        case .deleted(let p): type = "DELETED"; pod = p
        default: return
        }
        byPod[pod["metadata"]?["name"]?.stringValue ?? "", default: []].append(step(type: type, pod))
    }

    func scale(_ client: KubeClient, to replicas: Int) async throws {
        _ = try await client.patch(Deployment.resourceType, name: "vllm-qwen", namespace: "fixtures", subresource: "scale",
                                   patch: Data(#"{"spec":{"replicas":\#(replicas)}}"#.utf8), type: .merge)
    }

    func waitForPods(_ client: KubeClient, running: Int) async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let pods = try await client.list(Pod.self, namespace: "fixtures").items
            let live = pods.filter { $0.metadata.deletionTimestamp == nil }
            if live.count == running, live.allSatisfy({ $0.status?.phase == "Running" }) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let pods = try await client.list(Pod.self, namespace: "fixtures").items
        let sets = try await client.list(ReplicaSet.self, namespace: "fixtures").items
        XCTFail("pods did not reach \(running) running: \(pods.map { "\($0.metadata.name) \($0.status?.phase ?? "-") \($0.metadata.deletionTimestamp.map { "\($0)" } ?? "")" }); replica sets \(sets.map { "\($0.metadata.name) \($0.spec?.replicas ?? -1)/\($0.status?.replicas ?? -1)" })")
    }
}
