import XCTest
@testable import Terminal

final class TableViewTests: XCTestCase {
    private func sample() -> TableView {
        TableView(columns: [
            TableColumn("NAME", flexible: true), TableColumn("READY"),
            TableColumn("NODE", priority: 2), TableColumn("AGE", alignment: .right),
        ], rows: (0..<30).map { i in [TableCell("vllm-qwen-\(i)"), "1/1", "gpu-node-a", TableCell("\(i)m")] })
    }

    func testLaysOutToContentAndDropsLowPriorityColumnsWhenNarrow() {
        let t = sample()
        let wide = t.layout(width: 80)
        XCTAssertEqual(wide.reduce(0, +) + 2 * 3, 80, "the flexible column takes the spare width")
        XCTAssertEqual(wide[1], 5)
        let narrow = t.layout(width: 24)
        XCTAssertEqual(narrow[2], 0, "NODE is dropped first")
        XCTAssertLessThanOrEqual(narrow.reduce(0, +) + 2 * (narrow.filter { $0 > 0 }.count - 1), 24)
    }

    func testDrawsHeaderRowsAndRightAlignedCells() {
        let t = sample()
        var b = CellBuffer(width: 50, height: 4)
        t.draw(into: &b, x: 0, y: 0, width: 50, height: 4, headerStyle: .plain, rowStyle: .plain,
               cursorStyle: Style(attributes: .reverse), ellipsis: "…")
        XCTAssertTrue(b.line(0).hasPrefix("NAME"))
        XCTAssertTrue(b.line(0).contains("READY"))
        XCTAssertTrue(b.line(1).hasPrefix("vllm-qwen-0 "))
        XCTAssertTrue(b.line(1).hasSuffix(" 0m"), b.line(1))
        XCTAssertTrue(b[0, 1].style.attributes.contains(.reverse), "the cursor row is highlighted")
        XCTAssertFalse(b[0, 2].style.attributes.contains(.reverse))
    }

    func testCursorScrollsAndClamps() {
        var t = sample()
        t.moveCursor(by: 12, visibleRows: 10)
        XCTAssertEqual(t.cursor, 12)
        XCTAssertEqual(t.scrollOffset, 3)
        t.setCursor(1000, visibleRows: 10)
        XCTAssertEqual(t.cursor, 29)
        XCTAssertEqual(t.scrollOffset, 20)
        t.setCursor(-5, visibleRows: 10)
        XCTAssertEqual(t.cursor, 0)
        XCTAssertEqual(t.scrollOffset, 0)
        t.rows = []
        t.moveCursor(by: 1, visibleRows: 10)
        XCTAssertEqual(t.cursor, 0)
    }
}
