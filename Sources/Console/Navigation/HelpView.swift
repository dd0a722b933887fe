import Terminal

/// The `?` view: every key of the current screen, then the keys every screen shares, the sort
/// keys of its table, and the `:` commands with their aliases.
///
/// Keys and actions wrap within their columns, so nothing is cut however narrow the terminal;
/// what does not fit the height goes on further pages (space/PgDn, b/PgUp), with the page shown
/// on the last row. Two columns per page from 120 cells wide.
struct HelpView {
    var screen: any Screen
    /// The page asked for; drawing clamps it to the pages there are.
    var page = 0

    @MainActor
    var sections: [(title: String, keys: [(key: String, action: String)])] {
        var result: [(title: String, keys: [(key: String, action: String)])] = [("\(screen.title)", screen.keyHelp)]
        if let tableScreen = screen as? any TableScreen {
            result.append(("Table", [("j / k, down / up", "move"), ("PgDn / ctrl-f, PgUp / ctrl-b", "page"),
                                     ("g / Home, G / End", "first, last")] + SortKeys.help(columns: tableScreen.table.columns)))
        }
        result.append(("General", [(":", "command (Tab completes, Up/Down history, Esc cancels)"), ("-", "the command before the last one"),
                                   ("/", "filter: regex; /!re inverts; /-l app=x label selector"),
                                   ("esc", "clear the filter, else back"), ("?", "this help (esc closes)"), ("q, ctrl-c", "quit")]))
        result.append(("Help pages", [("space / PgDn, b / PgUp", "next, previous page of this help")]))
        result.append(("Commands", ConsoleCommandLine.commands.map { c in
            let aliases = c.aliases.isEmpty ? "" : " (" + c.aliases.joined(separator: ", ") + ")"
            return (":" + c.name + aliases, c.summary)
        }))
        return result
    }

    /// One row of the laid-out help: a section title, or (a line of) a key and its action.
    struct Row: Equatable {
        var key = ""
        var action = ""
        var isTitle = false
        var isGap: Bool { !isTitle && key.isEmpty && action.isEmpty }
    }

    /// The page layout for an area: each page is its columns, each column its rows.
    struct Layout {
        var pages: [[[Row]]]
        var columns: Int
        var keyWidth: Int
    }

    /// Rows per column: the area less the top margin and the page line.
    static func rowsPerColumn(area: Rect) -> Int { max(1, area.height - 2) }

    @MainActor
    func layout(area: Rect) -> Layout {
        let sections = self.sections
        let rowsPerColumn = Self.rowsPerColumn(area: area)
        var columns = 1
        var result = Self.layout(sections, columnWidth: area.width, rowsPerColumn: rowsPerColumn, columns: 1)
        if result.pages.count > 1, area.width >= 120 {
            columns = 2
            result = Self.layout(sections, columnWidth: area.width / 2, rowsPerColumn: rowsPerColumn, columns: 2)
        }
        result.columns = columns
        return result
    }

    private static func layout(_ sections: [(title: String, keys: [(key: String, action: String)])], columnWidth: Int,
                               rowsPerColumn: Int, columns: Int) -> Layout {
        // Keys get up to half the column; longer ones wrap inside it.
        let widest = sections.flatMap(\.keys).map { DisplayWidth.of($0.key) }.max() ?? 10
        let keyWidth = max(4, min(widest, columnWidth / 2 - 4)) + 2
        let actionWidth = max(4, columnWidth - keyWidth - 5)
        var rows: [Row] = []
        for section in sections {
            rows.append(Row(action: section.title, isTitle: true))
            for (key, action) in section.keys {
                let keyLines = TextWrap.words(key, width: keyWidth - 1)
                let actionLines = TextWrap.words(action, width: actionWidth)
                for i in 0..<max(keyLines.count, actionLines.count) {
                    rows.append(Row(key: i < keyLines.count ? keyLines[i] : "", action: i < actionLines.count ? actionLines[i] : ""))
                }
            }
            rows.append(Row())
        }
        // Fill columns: no gap at the top of one, no title alone at the bottom of one.
        var filled: [[Row]] = [[]]
        for (index, row) in rows.enumerated() {
            if row.isGap && filled[filled.count - 1].isEmpty { continue }
            let left = rowsPerColumn - filled[filled.count - 1].count
            let titleAlone = row.isTitle && left < 2 && index + 1 < rows.count
            if left == 0 || titleAlone { filled.append([]) }
            if row.isGap && filled[filled.count - 1].isEmpty { continue }
            filled[filled.count - 1].append(row)
        }
        while filled.count > 1, filled[filled.count - 1].allSatisfy(\.isGap) { filled.removeLast() }
        let pages = stride(from: 0, to: filled.count, by: columns).map { Array(filled[$0..<min($0 + columns, filled.count)]) }
        return Layout(pages: pages, columns: columns, keyWidth: keyWidth)
    }

    /// Draws the page asked for (clamped) and returns how many pages there are.
    @MainActor
    @discardableResult
    func draw(into buffer: inout CellBuffer, area: Rect, theme: Theme) -> Int {
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
        let layout = self.layout(area: area)
        let shown = min(max(0, page), layout.pages.count - 1)
        let columnWidth = area.width / layout.columns
        for (c, column) in layout.pages[shown].enumerated() {
            let x = area.x + c * columnWidth
            for (i, row) in column.enumerated() {
                let y = area.y + 1 + i
                if row.isTitle {
                    buffer.put(row.action, x: x + 2, y: y, style: theme.helpSection, maxWidth: columnWidth - 3)
                } else {
                    buffer.put(row.key, x: x + 4, y: y, style: theme.helpKey, maxWidth: layout.keyWidth - 1)
                    buffer.put(row.action, x: x + 4 + layout.keyWidth, y: y, style: theme.row, maxWidth: columnWidth - layout.keyWidth - 5)
                }
            }
        }
        if layout.pages.count > 1 {
            let line = "page \(shown + 1)/\(layout.pages.count)  space/PgDn next, b/PgUp previous, esc closes"
            buffer.put(line, x: area.x + 2, y: area.y + area.height - 1, style: theme.muted, maxWidth: area.width - 4)
        }
        return layout.pages.count
    }
}
