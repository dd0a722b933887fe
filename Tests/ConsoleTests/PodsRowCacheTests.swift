import Console
import Foundation
import Kube
import KvdeckTestSupport
import Telemetry
import Terminal
import XCTest

/// The pods screen keeps its rows between frames and redoes only what changed (a pod's new
/// resourceVersion, a new telemetry snapshot, a new second). Each frame of a screen that has
/// been kept through a series of changes must equal, cell for cell and style for style, the
/// frame of a screen that builds everything from the same state.
@MainActor
final class PodsRowCacheTests: XCTestCase {
    final class Clock: @unchecked Sendable { var now = ConsoleFixtures.now }

    private func frame(_ screen: PodsScreen, _ state: ClusterState) -> CellBuffer {
        var buffer = CellBuffer(width: 200, height: 14)
        screen.render(state, into: &buffer, area: Rect(x: 0, y: 0, width: 200, height: 14), theme: .standard, glyphs: .unicode)
        return buffer
    }

    /// Renders `cached` and a new screen (same sort, filter and cursor) and checks they agree.
    @discardableResult
    private func assertMatchesFresh(_ cached: PodsScreen, _ state: ClusterState, _ clock: Clock, _ what: String,
                                    line: UInt = #line) -> CellBuffer {
        let kept = frame(cached, state)
        let fresh = PodsScreen(workloadKey: cached.workloadKey, now: { [clock] in clock.now })
        fresh.table.sort = cached.table.sort
        fresh.table.filter = cached.table.filter
        fresh.table.cursor = cached.table.cursor
        let built = frame(fresh, state)
        XCTAssertEqual(kept, built, "\(what):\nkept rows:\n\(kept.text)\nbuilt afresh:\n\(built.text)", line: line)
        XCTAssertEqual(cached.table.order, fresh.table.order, what, line: line)
        return kept
    }

    /// The state with one pod changed by `body` and given resourceVersion `version` (as an informer event would).
    private func changing(_ state: ClusterState, pod name: String, version: String, _ body: (inout Pod) -> Void) -> ClusterState {
        var state = state
        var items = state.pods!.items
        let i = items.firstIndex { $0.metadata.name == name }!
        body(&items[i])
        items[i].metadata.resourceVersion = version
        state.pods = InformerSnapshot(items: items, state: .synced, resourceVersion: version)
        return state
    }

    private func crashLooping(_ pod: inout Pod) {
        pod.status?.containerStatuses?[0].state = ContainerState(waiting: .init(reason: "CrashLoopBackOff"))
        pod.status?.containerStatuses?[0].ready = false
        pod.status?.containerStatuses?[0].restartCount = 4
    }

    private func line(_ frame: CellBuffer, containing name: String) -> String? {
        (1..<frame.height).map(frame.line).first { $0.contains(name) }
    }

    func testKeptRowsEqualRowsBuiltAfresh() async throws {
        var state = try ConsoleFixtures.state()
        let clock = Clock()
        let screen = PodsScreen(workloadKey: nil, now: { [clock] in clock.now })
        var last = assertMatchesFresh(screen, state, clock, "first frame")

        // Ages move: the sts pods are under ten minutes old, so their AGE moves every second.
        clock.now += 1
        var now = assertMatchesFresh(screen, state, clock, "a second later")
        XCTAssertNotEqual(last, now, "ages moved")
        last = now
        clock.now += 0.3
        now = assertMatchesFresh(screen, state, clock, "same second")
        XCTAssertEqual(last, now)
        clock.now += 60
        assertMatchesFresh(screen, state, clock, "a minute later")

        // A pod that changes shows its new status and restarts.
        state = changing(state, pod: "vllm-qwen-7f688bc75d-d9clg", version: "5001", crashLooping)
        now = assertMatchesFresh(screen, state, clock, "one pod crash-looping")
        let crashing = try XCTUnwrap(line(now, containing: "vllm-qwen-7f688bc75d-d9clg"))
        XCTAssertTrue(crashing.contains("CrashLoopBackOff") && crashing.contains(" 4 "), crashing)

        // A deleted pod disappears.
        var gone = state
        gone.pods = InformerSnapshot(items: state.pods!.items.filter { $0.metadata.name != "vllm-sts-1" }, state: .synced,
                                     resourceVersion: "5002")
        now = assertMatchesFresh(screen, gone, clock, "one pod deleted")
        XCTAssertNil(line(now, containing: "vllm-sts-1"), now.text)
        XCTAssertNotNil(line(now, containing: "vllm-sts-0"), now.text)
        // ... and comes back (a new pod of the same name).
        now = assertMatchesFresh(screen, state, clock, "pod back")
        XCTAssertNotNil(line(now, containing: "vllm-sts-1"), now.text)

        // Telemetry cells follow each new snapshot: live, then stale.
        let telemetryClock = ManualClock()
        let bodies = ConsoleTelemetryTests.Bodies()
        bodies["llm-prod/vllm-qwen-7f688bc75d-gdzjh"] = ConsoleTelemetryTests.vllm(generation: 1000, ttft: [10, 20, 20, 20])
        let scraper = Scraper(fetcher: bodies, configuration: .init(interval: 5), now: telemetryClock.function)
        await scraper.setTargets(state.scrapeTargets())
        await scraper.scrapeDue()
        telemetryClock.advance(by: 5)
        bodies["llm-prod/vllm-qwen-7f688bc75d-gdzjh"] = ConsoleTelemetryTests.vllm(generation: 1500, ttft: [10, 30, 40, 40])
        await scraper.scrapeDue()
        state.telemetry = await scraper.snapshot()
        now = assertMatchesFresh(screen, state, clock, "telemetry live")
        let live = try XCTUnwrap(line(now, containing: "vllm-qwen-7f688bc75d-gdzjh"))
        XCTAssertTrue(live.contains("25%") && live.contains("990ms"), live)
        telemetryClock.advance(by: 20)
        state.telemetry = await scraper.snapshot()
        now = assertMatchesFresh(screen, state, clock, "telemetry stale")
        XCTAssertTrue(try XCTUnwrap(line(now, containing: "vllm-qwen-7f688bc75d-gdzjh")).contains("~25%"))

        // Filter and sort apply to changed rows: Running pods by RESTARTS, most first.
        screen.table.filter = TableFilter(text: "Running", criterion: .pattern(try TextPattern("Running")))
        screen.table.sort = TableSort(column: 3, ascending: false)
        assertMatchesFresh(screen, state, clock, "sorted and filtered")
        state = changing(state, pod: "vllm-sts-0", version: "5003") { $0.status?.containerStatuses?[0].restartCount = 9 }
        now = assertMatchesFresh(screen, state, clock, "a pod moves to the top")
        XCTAssertTrue(now.line(1).hasPrefix("vllm-sts-0"), now.text)
        state = changing(state, pod: "vllm-sts-0", version: "5004", crashLooping)
        now = assertMatchesFresh(screen, state, clock, "a pod leaves the filter")
        XCTAssertNil(line(now, containing: "vllm-sts-0"), now.text)
        state = changing(state, pod: "vllm-qwen-7f688bc75d-d9clg", version: "5005") {
            $0.status?.containerStatuses?[0].state = ContainerState(running: .init(startedAt: "2026-11-21T10:29:00Z"))
            $0.status?.containerStatuses?[0].ready = true
        }
        now = assertMatchesFresh(screen, state, clock, "a pod enters the filter")
        XCTAssertTrue(now.line(1).hasPrefix("vllm-qwen-7f688bc75d-d9clg"), now.text)
        // Sorted by AGE, youngest first: ages move under the sort.
        screen.table.sort = TableSort(column: PodsScreen.columns.count - 1, ascending: true)
        for _ in 0..<3 {
            clock.now += 7
            assertMatchesFresh(screen, state, clock, "sorted by age")
        }
        // A label filter, and a pod whose labels change.
        screen.table.filter = TableFilter(text: "-l app=vllm-qwen", criterion: .labels { $0["app"] == "vllm-qwen" })
        assertMatchesFresh(screen, state, clock, "label filter")
        state = changing(state, pod: "vllm-qwen-7f688bc75d-pw2f9", version: "5006") { $0.metadata.labels?["app"] = "other" }
        now = assertMatchesFresh(screen, state, clock, "labels changed")
        XCTAssertNil(line(now, containing: "vllm-qwen-7f688bc75d-pw2f9"), now.text)

        // A workload's pods: same rules.
        let workload = PodsScreen(workloadKey: "llm-prod/vllm-qwen", now: { [clock] in clock.now })
        assertMatchesFresh(workload, state, clock, "workload pods")
        state = changing(state, pod: "vllm-qwen-7f688bc75d-gdzjh", version: "5007", crashLooping)
        clock.now += 1
        assertMatchesFresh(workload, state, clock, "workload pod changed")
    }

    /// The fixtures with 200 pods of vllm-qwen in place of their pods (restart counts 0–4).
    private func manyPods() throws -> ClusterState {
        var state = try ConsoleFixtures.state()
        let template = try XCTUnwrap(state.pods?.items.first { $0.metadata.name == "vllm-qwen-7f688bc75d-gdzjh" })
        let pods: [Pod] = (0..<200).map { i in
            var pod = template
            pod.metadata.name = "vllm-qwen-7f688bc75d-\(1000 + i)"
            pod.metadata.uid = "uid-\(i)"
            pod.metadata.resourceVersion = "\(6000 + i)"
            pod.status?.containerStatuses?[0].restartCount = i % 5
            return pod
        }
        state.pods = InformerSnapshot(items: pods, state: .synced, resourceVersion: "7000")
        return state
    }

    /// Every pod changed by `body` and at a new resourceVersion, in a new snapshot (a relist, a rollout).
    private func changingEveryPod(_ state: inout ClusterState, version: String, _ body: (Int, inout Pod) -> Void) {
        var items = state.pods!.items
        for i in items.indices {
            body(i, &items[i])
            items[i].metadata.resourceVersion = "\(version)-\(i)"
        }
        state.pods = InformerSnapshot(items: items, state: .synced, resourceVersion: version)
    }

    /// A snapshot that asks for more rows than `backgroundBuildAbove` has them built off the main
    /// actor: the frames meanwhile draw the previous rows (the title says "updating…"), and once
    /// the build lands the screen asks for a redraw and its rows equal a fresh build — also when
    /// the filter changed meanwhile. A build whose screen closed is dropped.
    func testLargeChangesAreBuiltOffTheMainActor() async throws {
        var state = try manyPods()
        let clock = Clock()
        let screen = PodsScreen(workloadKey: nil, now: { [clock] in clock.now })
        screen.backgroundBuildAbove = 16
        func everyPod(version: String, _ body: (Int, inout Pod) -> Void) { changingEveryPod(&state, version: version, body) }

        // The first frame has no rows to show yet: it says it is loading, not "No pods.".
        let loading = frame(screen, state)
        XCTAssertTrue(loading.text.contains("Loading pods…"), loading.text)
        XCTAssertTrue(screen.title.hasSuffix(" updating…"), screen.title)
        XCTAssertFalse(screen.needsRedraw)
        await screen.settled()
        XCTAssertTrue(screen.needsRedraw, "a landed build asks for a frame")
        XCTAssertEqual(screen.title, "pods(all)")
        let first = assertMatchesFresh(screen, state, clock, "first frame, built off the main actor")
        XCTAssertFalse(screen.needsRedraw, "drawn")
        XCTAssertTrue(line(first, containing: "vllm-qwen-7f688bc75d-1003")?.contains(" 3 ") == true, first.text)

        // Every row changes: the next frame still draws the rows it has.
        everyPod(version: "8001") { i, pod in pod.status?.containerStatuses?[0].restartCount = 10 + i % 5 }
        clock.now += 1
        let meanwhile = frame(screen, state)
        XCTAssertTrue(screen.title.hasSuffix(" updating…"))
        XCTAssertTrue(line(meanwhile, containing: "vllm-qwen-7f688bc75d-1003")?.contains(" 3 ") == true, meanwhile.text)
        XCTAssertFalse(line(meanwhile, containing: "vllm-qwen-7f688bc75d-1003")?.contains(" 13 ") == true, meanwhile.text)
        // The user filters while the rows are built: the landed rows are filtered with it.
        screen.table.filter = TableFilter(text: "7f688bc75d-10[0-4]", criterion: .pattern(try TextPattern("7f688bc75d-10[0-4]")))
        await screen.settled()
        let changed = assertMatchesFresh(screen, state, clock, "every row changed, built off the main actor")
        XCTAssertTrue(line(changed, containing: "vllm-qwen-7f688bc75d-1003")?.contains(" 13 ") == true, changed.text)
        XCTAssertEqual(screen.table.order.count, 50)
        screen.table.filter = TableFilter(text: "-l app=vllm-qwen", criterion: .labels { $0["app"] == "vllm-qwen" })

        // A newer snapshot while a build runs: the build lands, and the next frame brings it on.
        everyPod(version: "8002") { i, pod in pod.status?.containerStatuses?[0].restartCount = 20 + i % 5 }
        _ = frame(screen, state)
        everyPod(version: "8003") { i, pod in if i % 2 == 0 { pod.metadata.labels?["app"] = "other" } }
        await screen.settled()
        _ = frame(screen, state)
        await screen.settled()
        assertMatchesFresh(screen, state, clock, "a newer snapshot during a build")
        XCTAssertEqual(screen.table.order.count, 100)

        // Closed while building: the result is dropped, nothing asks for a redraw.
        everyPod(version: "8004") { _, pod in pod.status?.containerStatuses?[0].restartCount = 30 }
        let before = screen.table.rows
        _ = frame(screen, state)
        screen.close()
        await screen.settled()
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertFalse(screen.needsRedraw)
        XCTAssertEqual(screen.table.rows, before)
    }

    /// Every pod of a larger list at a new resourceVersion: rows that show the same stay as they
    /// are; when most rows show something new they are replaced at once. Both must equal a fresh build.
    func testManyPodsAtNewVersionsEqualRowsBuiltAfresh() async throws {
        var state = try manyPods()
        let clock = Clock()
        let screen = PodsScreen(workloadKey: nil, now: { [clock] in clock.now })
        screen.table.sort = TableSort(column: 3, ascending: false)
        screen.table.filter = TableFilter(text: "-l app=vllm-qwen", criterion: .labels { $0["app"] == "vllm-qwen" })
        assertMatchesFresh(screen, state, clock, "first frame")

        func everyPod(version: String, _ body: (Int, inout Pod) -> Void) { changingEveryPod(&state, version: version, body) }
        everyPod(version: "8000") { _, _ in }
        assertMatchesFresh(screen, state, clock, "new versions, same rows")
        everyPod(version: "8001") { i, pod in pod.status?.containerStatuses?[0].restartCount = 10 + (i * 7) % 13 }
        let frame = assertMatchesFresh(screen, state, clock, "every row changed")
        XCTAssertTrue(frame.line(1).contains(" 22 "), frame.text)
        everyPod(version: "8002") { i, pod in if i % 2 == 0 { pod.metadata.labels?["app"] = "other" } }
        assertMatchesFresh(screen, state, clock, "half the pods leave the label filter")
        XCTAssertEqual(screen.table.order.count, 100)
    }
}
