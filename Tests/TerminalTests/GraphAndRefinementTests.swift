import Terminal
import XCTest

final class GraphAndRefinementTests: XCTestCase {
    func testSparklineBlocksAndAsciiFallback() {
        XCTAssertEqual(Graph.sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8], width: 9, maximum: 8, glyphs: .unicode), " ▁▂▃▄▅▆▇█")
        XCTAssertEqual(Graph.sparkline([0, 8, nil, 8], width: 4, maximum: 8, glyphs: .ascii), " # #")
        XCTAssertEqual(Graph.sparkline([4], width: 3, maximum: 8, glyphs: .unicode), "  ▄", "newest at the right edge")
        XCTAssertEqual(Graph.sparkline([0.01], width: 1, maximum: 8, glyphs: .unicode), "▁", "a non-zero value is never invisible")
    }

    func testBrailleGraphFillsFromTheBottom() {
        var buffer = CellBuffer(width: 2, height: 2)
        Graph(samples: [8, 4, 1, 0], maximum: 8).draw(into: &buffer, x: 0, y: 0, width: 2, height: 2, style: .plain, glyphs: .unicode)
        // Column 0 holds samples 8 (full: both rows) and 4 (bottom row only); column 1 holds 1 and 0.
        XCTAssertEqual(buffer.line(0), "⡇ ")
        XCTAssertEqual(buffer.line(1), "⣿⡀")
    }

    func testTableFilterAndSortKeepTheSourceRows() throws {
        var table = TableView(columns: [TableColumn("NAME"), TableColumn("AGE")],
                              rows: [["b", "5m"], ["a", "2h"], ["c", "30s"], ["d", "-"]])
        table.sort = TableSort(column: 1, ascending: true)
        XCTAssertEqual(table.order, [2, 0, 1, 3], "ages compare as durations; placeholders last")
        table.sort = TableSort(column: 1, ascending: false)
        XCTAssertEqual(table.order, [1, 0, 2, 3])
        table.filter = TableFilter(text: "[ab]", criterion: .pattern(try TextPattern("[AB]")))
        XCTAssertEqual(table.order, [1, 0], "case-insensitive")
        table.setCursor(1, visibleRows: 5)
        XCTAssertEqual(table.selectedRow, 0)
        table.filter = TableFilter(text: "!a", criterion: .pattern(try TextPattern("a")), inverted: true)
        XCTAssertEqual(table.order, [0, 2, 3])
        XCTAssertThrowsError(try TextPattern("("))
        var buffer = CellBuffer(width: 20, height: 3)
        table.draw(into: &buffer, x: 0, y: 0, width: 20, height: 3, headerStyle: .plain, rowStyle: .plain, cursorStyle: .plain, ellipsis: "~")
        XCTAssertTrue(buffer.line(0).contains("AGEv"), buffer.line(0))
    }

    func testCellsWithoutUnicodeStayOneColumn() {
        XCTAssertEqual(Glyphs.asciiCell("a"), "a")
        XCTAssertEqual(Glyphs.asciiCell("…"), ".")
        XCTAssertEqual(Glyphs.asciiCell("↓"), "v")
        XCTAssertEqual(Glyphs.asciiCell("日"), "?")
    }

    func testLineEditor() {
        var e = LineEditor("ns llm")
        XCTAssertTrue(e.apply(.ctrl("w")))
        XCTAssertEqual(e.text, "ns ")
        _ = e.apply(.character("x"))
        _ = e.apply(.home)
        _ = e.apply(.delete)
        XCTAssertEqual(e.text, "s x")
        XCTAssertFalse(e.apply(.enter))
    }
}
