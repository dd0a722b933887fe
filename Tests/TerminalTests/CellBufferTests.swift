import XCTest
@testable import Terminal

final class CellBufferTests: XCTestCase {
    func testPutClipsAtWidthAndReportsColumns() {
        var b = CellBuffer(width: 10, height: 2)
        XCTAssertEqual(b.put("hello world", x: 2, y: 0), 8)
        XCTAssertEqual(b.line(0), "  hello wo")
        XCTAssertEqual(b.put("abc", x: 0, y: 1, maxWidth: 2), 2)
        XCTAssertEqual(b.line(1), "ab        ")
    }

    func testWideCharactersTakeTwoCellsAndNeverSplit() {
        var b = CellBuffer(width: 5, height: 1)
        XCTAssertEqual(b.put("日本語", x: 0, y: 0), 4, "the third wide character does not fit in the last column")
        XCTAssertEqual(b.line(0), "日本 ")
        XCTAssertTrue(b[1, 0].isContinuation)
        // Overwriting the right half of a wide character blanks its left half.
        b.put("x", x: 1, y: 0)
        XCTAssertEqual(b.line(0), " x本 ")
    }

    func testControlCharactersFromTheClusterAreNeutralised() {
        var b = CellBuffer(width: 12, height: 1)
        b.put("pod\u{1b}[2Jx\n", x: 0, y: 0)
        XCTAssertEqual(b.line(0), "pod?[2Jx?   ")
    }

    func testChangedRunsCoverOnlyDifferences() {
        var a = CellBuffer(width: 8, height: 2)
        a.put("abcdefgh", x: 0, y: 0)
        var b = a
        b.put("XY", x: 3, y: 0)
        b.put("z", x: 7, y: 1)
        let runs = b.changedRuns(since: a)
        XCTAssertEqual(runs.count, 2)
        XCTAssertEqual(runs[0].x, 3); XCTAssertEqual(runs[0].y, 0); XCTAssertEqual(runs[0].cells.map(\.text), ["X", "Y"])
        XCTAssertEqual(runs[1].x, 7); XCTAssertEqual(runs[1].y, 1)
        XCTAssertEqual(b.changedRuns(since: b).count, 0)
        XCTAssertEqual(b.changedRuns(since: nil).count, 2, "without a previous frame every row is written")
    }

    func testStyleChangesAreChanges() {
        var a = CellBuffer(width: 3, height: 1)
        a.put("abc", x: 0, y: 0)
        var b = a
        b.restyle(x: 1, y: 0, width: 1) { $0.attributes.insert(.reverse) }
        XCTAssertEqual(b.changedRuns(since: a).map(\.x), [1])
    }

    func testDisplayWidthAndTruncate() {
        XCTAssertEqual(DisplayWidth.of("abc"), 3)
        XCTAssertEqual(DisplayWidth.of("日本"), 4)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.of("▇▅▃"), 3)
        XCTAssertEqual(DisplayWidth.truncate("vllm-qwen-7b-instruct", to: 10), "vllm-qwen…")
        XCTAssertEqual(DisplayWidth.truncate("short", to: 10), "short")
        XCTAssertEqual(DisplayWidth.truncate("日本語日本語", to: 5), "日本…")
        XCTAssertEqual(DisplayWidth.truncate("abc", to: 0), "")
    }
}
