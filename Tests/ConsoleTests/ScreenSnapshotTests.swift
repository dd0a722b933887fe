import Console
import Foundation
import Kube
import Terminal
import XCTest

/// Each screen rendered headless from the recorded cluster at 120×30 and compared with its text
/// snapshot in Snapshots/.
final class ScreenSnapshotTests: XCTestCase {
    @MainActor private func render(_ s: ConsoleSession, _ state: ClusterState, width: Int = 120, height: Int = 30,
                                   glyphs: Glyphs = .unicode) -> CellBuffer {
        s.render(state, width: width, height: height, theme: .standard, glyphs: glyphs)
    }

    @MainActor func testNodesScreen() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":nodes", state: state)
        s.type([.enter], state: state)
        let frame = render(s, state)
        assertSnapshot(frame, named: "nodes")
        // Three pods of the fixtures request GPUs on each node: allocation comes from them.
        XCTAssertTrue(frame.text.contains("NVIDIA"), frame.text)
    }

    @MainActor func testEventsScreenCoreV1() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":events", state: state)
        s.type([.enter], state: state)
        assertSnapshot(render(s, state), named: "events-core-v1")
    }

    @MainActor func testEventsScreenEventsV1ShowsTheSameEvents() async throws {
        let core = try ConsoleFixtures.state()
        let v1 = try ConsoleFixtures.state(eventsV1: true)
        let a = ConsoleFixtures.session(), b = ConsoleFixtures.session()
        for (s, state) in [(a, core), (b, v1)] {
            s.type(":events", state: state)
            s.type([.enter], state: state)
        }
        let coreRows = (4..<29).map(render(a, core).line)
        let v1Rows = (4..<29).map(render(b, v1).line)
        XCTAssertEqual(coreRows.map { String($0.prefix(60)) }, v1Rows.map { String($0.prefix(60)) },
                       "events.k8s.io/v1 and core/v1 are the same objects")
        assertSnapshot(render(b, v1), named: "events-events-v1")
    }

    @MainActor func testEventsOfOnePod() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":events pod/fixtures/vllm-sts-0", state: state)
        s.type([.enter], state: state)
        let frame = render(s, state)
        let rows = (4..<29).map(frame.line).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        XCTAssertFalse(rows.isEmpty, frame.text)
        XCTAssertTrue(rows.allSatisfy { $0.contains("pod/vllm-sts-0") }, rows.joined(separator: "\n"))
    }

    @MainActor func testPodDetailWithoutMetricsSaysSo() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":pods", state: state)
        s.type([.enter], state: state)
        _ = render(s, state)
        s.type("/sts-0", state: state)
        s.type([.enter, .enter], state: state)
        let frame = render(s, state, height: 40)
        assertSnapshot(frame, named: "pod-detail-no-metrics")
        XCTAssertTrue(frame.text.contains("no metrics yet"), frame.text)
    }

    @MainActor func testPodDetailGraphsFromASeriesSource() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        let graphs = RecordedGraphs()
        graphs.series[.throughput] = GraphSeries(samples: (0..<60).map { Double($0 % 20) * 50 }, interval: 15)
        graphs.series[.kvCacheUsage] = GraphSeries(samples: (0..<60).map { $0 == 30 ? nil : Double($0) }, interval: 15)
        s.graphs = graphs
        s.type(":pods", state: state)
        s.type([.enter], state: state)
        _ = render(s, state)
        s.type("/sts-0", state: state)
        s.type([.enter, .enter], state: state)
        assertSnapshot(render(s, state, height: 40), named: "pod-detail-graphs-braille")
        assertSnapshot(render(s, state, height: 40, glyphs: .ascii), named: "pod-detail-graphs-ascii")
    }

    @MainActor func testLogsOfAWorkloadMergedByTime() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.logSource = RecordedLogSource(lines: [
            "vllm-sts-0": ["2026-11-21T10:22:00.000000001Z INFO loading model", "2026-11-21T10:22:03.5Z INFO ready on :8000"],
            "vllm-sts-1": ["2026-11-21T10:22:01Z INFO loading model", "2026-11-21T10:22:02Z WARN slow disk",
                           "2026-11-21T10:22:04Z INFO ready on :8000"],
        ])
        s.type(":workloads", state: state)
        s.type([.enter], state: state)
        _ = render(s, state)
        s.type("/sts", state: state)
        s.type([.enter], state: state)
        s.type("l", state: state)
        XCTAssertTrue(s.top is LogsScreen)
        _ = render(s, state)  // starts the streams
        for _ in 0..<20 { await Task.yield() }
        let frame = render(s, state)
        assertSnapshot(frame, named: "logs-workload")
        let lines = (4..<9).map(frame.line)
        XCTAssertTrue(lines[0].contains("vllm-sts-0 INFO loading model"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines[1].contains("vllm-sts-1 INFO loading model"))
        XCTAssertTrue(lines[2].contains("WARN slow disk"))
        XCTAssertTrue(lines[3].contains("vllm-sts-0 INFO ready"))
        s.type("/WARN", state: state)
        s.type([.enter], state: state)
        let filtered = render(s, state)
        XCTAssertTrue(filtered.line(4).contains("WARN slow disk"), filtered.text)
        XCTAssertFalse(filtered.line(5).contains("INFO"), filtered.text)
        s.type("s", state: state)
        XCTAssertTrue(render(s, state).line(3).contains("paused"))
    }

    @MainActor func testWorkloadLogsTakeInNewPods() async throws {
        var state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.logSource = RecordedLogSource(lines: ["vllm-sts-0": ["2026-11-21T10:22:00Z zero"], "vllm-sts-2": ["2026-11-21T10:25:00Z two"]])
        _ = render(s, state)
        s.type("/sts", state: state)
        s.type([.enter], state: state)
        s.type("l", state: state)
        _ = render(s, state)
        // A scale-up: a third pod of the StatefulSet appears.
        var pods = state.pods!.items
        var third = try XCTUnwrap(pods.first { $0.metadata.name == "vllm-sts-0" })
        third.metadata.name = "vllm-sts-2"
        third.metadata.uid = "new"
        pods.append(third)
        state.pods = InformerSnapshot(items: pods, state: .synced)
        _ = render(s, state)
        for _ in 0..<20 { await Task.yield() }
        let frame = render(s, state)
        XCTAssertTrue(frame.line(3).contains("vllm-sts-2: ended"), frame.line(3))
        XCTAssertTrue(frame.text.contains("vllm-sts-2 two"), frame.text)
    }

    @MainActor func testHelpSnapshot() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type("?", state: state)
        assertSnapshot(render(s, state, width: 130, height: 50), named: "help-workloads")
    }

    @MainActor func testWorkloadsAt80x24WithAsciiGlyphs() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type("N", state: state)
        assertSnapshot(s.render(state, width: 80, height: 24, theme: .monochrome, glyphs: .ascii), named: "workloads-80x24-ascii")
    }
}
