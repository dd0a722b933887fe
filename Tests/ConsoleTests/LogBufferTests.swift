import Console
import Foundation
import Kube
import Terminal
import XCTest

/// The log view's buffer: merged by time across pods, bounded however long it follows.
final class LogBufferTests: XCTestCase {
    private func line(_ time: String?, _ pod: String, _ text: String) -> LogLine {
        LogLine.parse((time.map { $0 + " " } ?? "") + text, pod: pod, container: "engine")
    }

    func testLinesOfSeveralPodsAreMergedByTime() {
        var buffer = LogBuffer(capacity: 100)
        buffer.append(line("2026-11-21T10:00:01Z", "a", "a1"))
        buffer.append(line("2026-11-21T10:00:03Z", "a", "a3"))
        buffer.append(line("2026-11-21T10:00:02.5Z", "b", "b2"))
        buffer.append(line(nil, "b", "b2-continued"))  // no time: sorts as its stream's last line
        buffer.append(line("2026-11-21T10:00:00.000000001Z", "c", "c0"))
        XCTAssertEqual(buffer.lines.map(\.text), ["c0", "a1", "b2", "b2-continued", "a3"])
    }

    func testTheBufferStaysBoundedAndCutsHugeLines() {
        var buffer = LogBuffer(capacity: 1_000, maxLineLength: 100)
        for i in 0..<100_000 {
            buffer.append(LogLine(time: Date(timeIntervalSince1970: Double(i)), pod: "p", container: "c", text: "line \(i)"))
        }
        XCTAssertLessThanOrEqual(buffer.count, 1_000)
        XCTAssertEqual(buffer.lines.last?.text, "line 99999", "the newest lines stay")
        XCTAssertEqual(buffer.dropped + buffer.count, 100_000)
        buffer.append(LogLine(time: nil, pod: "p", container: "c", text: String(repeating: "x", count: 10_000)))
        XCTAssertEqual(buffer.lines.last?.text.count, 100 + " [cut]".count)
    }

    @MainActor func testPreviousContainerLogAndTimestamps() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.logSource = RecordedLogSource(lines: [
            "vllm-sts-0": ["2026-11-21T10:22:00Z now running"],
            "vllm-sts-0#previous": ["2026-11-21T10:20:00Z CUDA out of memory", "2026-11-21T10:20:01Z exiting"],
        ])
        s.type(":pods", state: state)
        s.type([.enter], state: state)
        _ = s.render(state, width: 100, height: 20, theme: .standard, glyphs: .unicode)
        s.type("/sts-0", state: state)
        s.type([.enter], state: state)
        s.type("p", state: state)
        _ = s.render(state, width: 100, height: 20, theme: .standard, glyphs: .unicode)
        for _ in 0..<20 { await Task.yield() }
        var frame = s.render(state, width: 100, height: 20, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(2).contains("logs(fixtures/vllm-sts-0, previous)"), frame.line(2))
        XCTAssertTrue(frame.line(4).contains("CUDA out of memory"), frame.text)
        s.type("t", state: state)
        frame = s.render(state, width: 100, height: 20, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(4).contains("2026-11-21T10:20:00Z CUDA out of memory"), frame.line(4))
        s.type("p", state: state)  // back to the current container, replacing the view
        _ = s.render(state, width: 100, height: 20, theme: .standard, glyphs: .unicode)
        for _ in 0..<20 { await Task.yield() }
        frame = s.render(state, width: 100, height: 20, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(4).contains("now running"), frame.text)
        XCTAssertEqual(s.stack.count, 3, "workloads > pods > logs: the previous log was replaced, not stacked")
    }

    @MainActor func testPodDetailOnAnEightyColumnTerminal() async throws {
        let state = try ConsoleFixtures.state()
        let s = ConsoleFixtures.session()
        s.type(":pods", state: state)
        s.type([.enter], state: state)
        _ = s.render(state, width: 80, height: 24, theme: .standard, glyphs: .unicode)
        s.type("/sts-0", state: state)
        s.type([.enter, .enter], state: state)
        assertSnapshot(s.render(state, width: 80, height: 24, theme: .standard, glyphs: .ascii), named: "pod-detail-80x24")
        s.type([.pageDown], state: state)
        let scrolled = s.render(state, width: 80, height: 24, theme: .standard, glyphs: .ascii)
        XCTAssertTrue(scrolled.text.contains("Containers") || scrolled.text.contains("Recent events"), scrolled.text)
    }
}
