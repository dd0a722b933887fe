import Terminal
import XCTest

/// `updateRows` filters, sorts and measures only the rows it is given; the table it leaves must be
/// the one that assigning all the rows builds: same order, same layout, same drawing.
final class TableUpdateRowsTests: XCTestCase {
    /// A small deterministic generator, so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let columns = [TableColumn("NAME", flexible: true), TableColumn("STATUS"), TableColumn("RESTARTS", alignment: .right),
                          TableColumn("AGE", alignment: .right)]

    func row(_ g: inout Generator) -> [TableCell] {
        let names = ["vllm-a", "vllm-bb", "tgi-c", "vllm-dddd", "web-e", "x"]
        let statuses = ["Running", "Pending", "CrashLoopBackOff", "Init:0/1", "Completed"]
        let ages = ["5s", "2m3s", "45m", "3h2m", "2d", "<unknown>", "-"]
        return [TableCell(names[g.next(names.count)] + String(repeating: "z", count: g.next(4))),
                TableCell(statuses[g.next(statuses.count)]), TableCell("\(g.next(3) == 0 ? 12 : g.next(4))"),
                TableCell(ages[g.next(ages.count)])]
    }

    func testUpdatedRowsEqualAssignedRows() throws {
        let filters: [TableFilter?] = [nil, TableFilter(text: "vllm", criterion: .pattern(try TextPattern("vllm"))),
                                       TableFilter(text: "!Running", criterion: .pattern(try TextPattern("Running")), inverted: true),
                                       TableFilter(text: "-l app=a", criterion: .labels { $0["app"] == "a" })]
        let sorts: [TableSort?] = [nil] + (0..<4).flatMap { [TableSort(column: $0, ascending: true), TableSort(column: $0, ascending: false)] }
        var g = Generator(state: 42)
        for filter in filters {
            for sort in sorts {
                for count in [1, 5, 40, 300] {
                    var rows = (0..<count).map { _ in row(&g) }
                    var labels = (0..<count).map { _ in ["app": g.next(2) == 0 ? "a" : "b"] }
                    var kept = TableView(columns: Self.columns)
                    kept.filter = filter
                    kept.sort = sort
                    kept.rowLabels = labels
                    kept.rows = rows
                    for round in 0..<6 {
                        // Few changes (placed one by one) and, in the last round, many (sorted again).
                        let changes = round == 5 ? count : 1 + g.next(max(1, count / 20))
                        var update: [(index: Int, cells: [TableCell], labels: [String: String]?)] = []
                        for _ in 0..<changes {
                            let i = g.next(count)
                            rows[i] = g.next(4) == 0 ? rows[i] : row(&g)
                            let newLabels: [String: String]? = g.next(3) == 0 ? ["app": g.next(2) == 0 ? "a" : "b"] : nil
                            if let newLabels { labels[i] = newLabels }
                            update.append((i, rows[i], newLabels))
                        }
                        kept.updateRows(update)
                        var built = TableView(columns: Self.columns)
                        built.filter = filter
                        built.sort = sort
                        built.rowLabels = labels
                        built.rows = rows
                        let what = "filter \(filter?.text ?? "-") sort \(String(describing: sort)) rows \(count) round \(round)"
                        XCTAssertEqual(kept.order, built.order, what)
                        XCTAssertEqual(kept.layout(width: 60), built.layout(width: 60), what)
                        XCTAssertEqual(kept.rows, built.rows, what)
                    }
                }
            }
        }
    }
}
