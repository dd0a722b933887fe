import Console
import Foundation
import Kube
import KvdeckTestSupport
import Terminal
import XCTest

/// Cluster state from the recorded real API server (fixtures/kube/real-apiserver), a fixed
/// clock just after the recording, and text snapshots of rendered frames.
enum ConsoleFixtures {
    /// Ten minutes after the fixtures' pods were created, so ages are stable.
    static let now = KubeTime.date(from: "2026-11-21T10:30:00Z")!

    static func load<T: KubeResource>(_ type: T.Type, _ path: String) throws -> [T] {
        let data = try Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent(path))
        return try KubeList<T>(listBody: data).items
    }

    static func state(eventsV1: Bool = false) throws -> ClusterState {
        var state = ClusterState()
        state.deployments = InformerSnapshot(items: try load(Deployment.self, "05-lists/deployments.all-namespaces.json"), state: .synced)
        state.statefulSets = InformerSnapshot(items: try load(StatefulSet.self, "05-lists/statefulsets.json"), state: .synced)
        state.pods = InformerSnapshot(items: try load(Pod.self, "05-lists/pods.all-namespaces.json"), state: .synced)
        state.nodes = InformerSnapshot(items: try load(Node.self, "09-nodes-events/nodes.json"), state: .synced)
        if eventsV1 {
            state.eventsV1 = InformerSnapshot(items: try load(EventsV1Event.self, "09-nodes-events/events.events.k8s.io-v1.json"), state: .synced)
        } else {
            state.events = InformerSnapshot(items: try load(Event.self, "09-nodes-events/events.json"), state: .synced)
        }
        state.namespaces = InformerSnapshot(items: try load(Namespace.self, "05-lists/namespaces.json"), state: .synced)
        state.lastSync = now.addingTimeInterval(-3)
        return state
    }

    @MainActor static func session() -> ConsoleSession {
        ConsoleSession(connection: ConnectionSummary(context: "prod", cluster: "gpu-east", user: "ops", namespace: nil),
                       version: "0.1.0", now: { now })
    }
}

/// Compares a frame's text with `Snapshots/NAME.txt` (trailing blanks trimmed per line). A
/// missing snapshot, or `KVDECK_RECORD_SNAPSHOTS=1`, writes it and fails so it is looked at.
func assertSnapshot(_ frame: CellBuffer, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let text = (0..<frame.height).map { frame.line($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        .joined(separator: "\n") + "\n"
    let url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Snapshots/\(name).txt")
    let record = ProcessInfo.processInfo.environment["KVDECK_RECORD_SNAPSHOTS"] == "1"
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? text.write(to: url, atomically: true, encoding: .utf8)
        XCTFail("recorded snapshot \(name); check \(url.path) and run again", file: file, line: line)
        return
    }
    XCTAssertEqual(text, expected, "snapshot \(name) differs", file: file, line: line)
}

extension ConsoleSession {
    /// Types keys one by one, as the terminal delivers them.
    func type(_ keys: [Key], state: ClusterState, height: Int = 24) {
        for key in keys { handle(key, state: state, height: height) }
    }

    func type(_ text: String, state: ClusterState, height: Int = 24) {
        type(text.map { Key.character($0) }, state: state, height: height)
    }
}

/// Log lines from memory instead of a cluster: what `pods/log?timestamps=true` sends.
struct RecordedLogSource: PodLogSource {
    var lines: [String: [String]]
    func lines(pod: String, namespace: String, options: LogOptions) -> AsyncThrowingStream<String, Error> {
        let chosen = (options.previous ? lines["\(pod)#previous"] : lines[pod]) ?? []
        return AsyncThrowingStream { continuation in
            for line in chosen { continuation.yield(line) }
            continuation.finish()
        }
    }
}

/// Graph series from memory (what telemetry will hand the pod detail view).
@MainActor
final class RecordedGraphs: GraphSeriesSource {
    var series: [PodGraphMetric: GraphSeries] = [:]
    func series(podKey: String, metric: PodGraphMetric, window: Double) -> GraphSeries? { series[metric] }
}
