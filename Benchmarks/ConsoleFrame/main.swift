// Console frame times. See README.md beside this file.
//   kvdeck-bench-frame table [ROWS] [RUNS]          a frame of the all-pods table, headless
//   kvdeck-bench-frame first-frame KUBECONFIG       start to the first full frame on a cluster
import Console
import Foundation
import Kube
import Terminal

@MainActor
func milliseconds(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

func report(_ label: String, _ times: [Double]) {
    let sorted = times.sorted()
    let median = sorted[sorted.count / 2], p90 = sorted[min(sorted.count - 1, sorted.count * 9 / 10)]
    print(String(format: "%@: median %.3f ms, p90 %.3f ms, min %.3f ms over %d frames", label, median, p90, sorted[0], sorted.count))
}

/// `rows` pods spread over 100 workloads and 50 nodes, as the informer would hold them.
func syntheticState(rows: Int) throws -> ClusterState {
    var items: [Pod] = []
    let created = "2026-11-21T10:00:00Z"
    for i in 0..<rows {
        let json = """
        {"metadata":{"name":"vllm-\(i % 100)-7f6957fc75-\(String(i, radix: 36))","namespace":"ns-\(i % 7)",
         "uid":"6f1c2d3e-0000-4000-8000-\(String(format: "%012d", i))","resourceVersion":"\(1000 + i)",
         "creationTimestamp":"\(created)","labels":{"app":"vllm-\(i % 100)"}},
         "spec":{"nodeName":"gpu-node-\(i % 50)","containers":[{"name":"vllm","image":"vllm/vllm-openai:v0.8.5",
          "resources":{"limits":{"nvidia.com/gpu":"1"}}}]},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
          "containerStatuses":[{"name":"vllm","ready":true,"restartCount":\(i % 3),"state":{"running":{}}}]}}
        """
        items.append(try JSONDecoder().decode(Pod.self, from: Data(json.utf8)))
    }
    var state = ClusterState()
    state.pods = InformerSnapshot(items: items, state: .synced, resourceVersion: "\(1000 + rows)")
    state.deployments = InformerSnapshot(items: [], state: .synced)
    state.statefulSets = InformerSnapshot(items: [], state: .synced)
    return state
}

/// The bench's clock: frames that should rebuild their rows move it on by a second.
final class Clock: @unchecked Sendable {
    var now = KubeTime.date(from: "2026-11-21T12:00:00Z")!
}

@MainActor
func benchTable(rows: Int, runs: Int) async throws {
    var state = try syntheticState(rows: rows)
    let clock = Clock()
    let session = ConsoleSession(connection: ConnectionSummary(context: "bench", cluster: "bench", user: "bench", namespace: nil),
                                 version: "bench", now: { clock.now })
    for key in ":pods".map({ Key.character($0) }) + [Key.enter] { session.handle(key, state: state, height: 50) }
    /// How a frame's data differs from the last frame's.
    enum Change { case none, oneSecond, onePod, telemetry, everything, everyRow }
    var version = 1000 + rows + 1
    let podCount = state.pods!.items.count
    func change(_ kind: Change, run: Int) {
        switch kind {
        case .none: break
        case .oneSecond: clock.now += 1
        case .onePod:
            // An informer event: one pod's container restarted (new resourceVersion, new snapshot).
            var items = state.pods!.items
            let k = (run * 7919) % podCount
            items[k].status?.containerStatuses?[0].restartCount = 10 + run
            items[k].metadata.resourceVersion = "\(version)"
            state.pods = InformerSnapshot(items: items, state: .synced, resourceVersion: "\(version)")
            version += 1
        case .telemetry:
            state.telemetry.time = clock.now.addingTimeInterval(Double(run) / 100 + 0.5)
        case .everything:
            // Every pod has a new resourceVersion, a new telemetry snapshot and a new second.
            var items = state.pods!.items
            for k in items.indices { items[k].metadata.resourceVersion = "\(version)-\(k)" }
            state.pods = InformerSnapshot(items: items, state: .synced, resourceVersion: "\(version)")
            version += 1
            state.telemetry.time = clock.now.addingTimeInterval(Double(run) / 100 + 0.5)
            clock.now += 1
        case .everyRow:
            // As `everything`, and every row shows something new: each pod's restart count moved.
            var items = state.pods!.items
            for k in items.indices {
                items[k].metadata.resourceVersion = "\(version)-\(k)"
                items[k].status?.containerStatuses?[0].restartCount = 20 + run
            }
            state.pods = InformerSnapshot(items: items, state: .synced, resourceVersion: "\(version)")
            version += 1
            state.telemetry.time = clock.now.addingTimeInterval(Double(run) / 100 + 0.5)
            clock.now += 1
        }
    }
    /// Times `runs` frames after a change of `kind`. A change large enough to be built off the main
    /// actor is timed three ways: the frame (what the user waits for: it draws the previous rows),
    /// the time from that frame's start until the new rows land, and the frame that draws them.
    func frames(_ label: String, _ kind: Change, keys: [Key] = []) async {
        var times: [Double] = [], landed: [Double] = [], drawn: [Double] = []
        for run in 0..<runs {
            change(kind, run: run)  // outside the timed frame: the informer builds the snapshot
            let start = ContinuousClock.now
            times.append(milliseconds {
                for key in keys { session.handle(key, state: state, height: 50) }
                _ = session.render(state, width: 200, height: 50, theme: .standard, glyphs: .unicode)
            })
            guard session.top.title.hasSuffix("updating…") else { continue }
            await session.settled()
            landed.append(milliseconds(since: start))
            drawn.append(milliseconds { _ = session.render(state, width: 200, height: 50, theme: .standard, glyphs: .unicode) })
        }
        report(label + (landed.isEmpty ? "" : ": frame"), times)
        guard !landed.isEmpty else { return }
        report(label + ": rows built off the main actor, landed after", landed)
        report(label + ": frame drawing them", drawn)
    }
    func rebuilt(_ label: String) async {
        await frames("\(label), new second", .oneSecond)
        await frames("\(label), one pod changed", .onePod)
        await frames("\(label), new telemetry", .telemetry)
        await frames("\(label), everything changed", .everything)
        await frames("\(label), every row changed", .everyRow)
    }
    // The first frame builds the rows off the main actor; the bench starts from them built.
    _ = session.render(state, width: 200, height: 50, theme: .standard, glyphs: .unicode)
    await session.settled()
    _ = session.render(state, width: 200, height: 50, theme: .standard, glyphs: .unicode)
    // A frame for a key or a tick within the same second: the rows built for the snapshot are reused.
    await frames("\(rows)-row pod table, 200x50, cursor moved", .none, keys: [.down])
    // Frames after the data changed: a new second (ages move), an informer event for one pod, a
    // new telemetry snapshot, and all three at once with every pod changed.
    await rebuilt("\(rows)-row pod table, 200x50")
    session.handle(.character("N"), state: state, height: 50)
    await frames("\(rows)-row pod table sorted by NAME, cursor moved", .none, keys: [.down])
    await rebuilt("\(rows)-row pod table sorted by NAME")
    for key in "/vllm-4".map({ Key.character($0) }) + [Key.enter] { session.handle(key, state: state, height: 50) }
    await rebuilt("\(rows)-row pod table sorted and filtered by regex")
    // What the backend writes after a frame identical to the last: nothing; finding that out:
    let a = session.render(state, width: 200, height: 50, theme: .standard, glyphs: .unicode)
    var diff: [Double] = []
    for _ in 0..<runs { diff.append(milliseconds { _ = a.changedRuns(since: a) }) }
    report("diff of an unchanged 200x50 frame", diff)
}

/// From "the console starts" (kubeconfig read, client made, informers started) to the first
/// frame in which every store is synced and the workloads are drawn.
@MainActor
func benchFirstFrame(kubeconfig: String) async throws {
    let start = ContinuousClock.now
    let connection = try KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: kubeconfig)).resolve()
    let client = KubeClient(connection: connection, transport: try CurlTransport(options: connection.transport))
    let feed = ClusterFeed(client: client, namespace: nil)
    let session = ConsoleSession(connection: ConnectionSummary(context: connection.contextName, cluster: connection.clusterName,
                                                               user: connection.userName, namespace: nil), version: "bench")
    var frames = 0
    while true {
        let state = feed.state
        let frame = session.render(state, width: 132, height: 40, theme: .standard, glyphs: .unicode)
        frames += 1
        let synced = state.freshness.allSatisfy { $0.state == .synced }
        if synced, frame.text.contains("smollm2") { break }
        if ContinuousClock.now - start > .seconds(30) { print("no full frame within 30 s"); break }
        try await Task.sleep(for: .milliseconds(1))
    }
    let elapsed = ContinuousClock.now - start
    let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    print(String(format: "first full frame: %.1f ms after start (%d frames drawn while loading)", ms, frames))
    await feed.stop()
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "table" {
case "first-frame":
    guard arguments.count > 2 else { print("usage: kvdeck-bench-frame first-frame KUBECONFIG"); exit(2) }
    try await benchFirstFrame(kubeconfig: arguments[2])
default:
    let rows = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
    let runs = arguments.count > 3 ? Int(arguments[3]) ?? 50 : 50
    try await benchTable(rows: rows, runs: runs)
}
