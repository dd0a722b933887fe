/// Lays out rows as kubectl does (Go's text/tabwriter with minwidth 6, padding 3, spaces): each
/// column as wide as its widest cell plus three spaces, at least six, and the last column unpadded.
struct KubectlTabWriter {
    static func format(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max(), columns > 0 else { return "" }
        var widths = Array(repeating: 6, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() where i < columns - 1 {
                widths[i] = max(widths[i], cell.count + 3)
            }
        }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += cell
                if i < row.count - 1 { line += String(repeating: " ", count: max(0, widths[i] - cell.count)) }
            }
            out += line + "\n"
        }
        return out
    }
}
