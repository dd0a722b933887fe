/// A column of a table: its title, how wide it may be, and how its cells align.
public struct TableColumn: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable { case left, right }
    public var title: String
    public var minWidth: Int
    /// Columns with a lower priority number are kept when the terminal is too narrow for all.
    public var priority: Int
    public var alignment: Alignment
    /// Takes the width left over (NAME, MESSAGE).
    public var flexible: Bool

    public init(_ title: String, minWidth: Int = 0, priority: Int = 0, alignment: Alignment = .left, flexible: Bool = false) {
        self.title = title
        self.minWidth = minWidth
        self.priority = priority
        self.alignment = alignment
        self.flexible = flexible
    }
}

/// One cell's text and, when it should stand out (a failing status, a hot GPU), its style.
public struct TableCell: Sendable, Equatable, ExpressibleByStringLiteral {
    public var text: String
    public var style: Style?
    public init(_ text: String, style: Style? = nil) { self.text = text; self.style = style }
    public init(stringLiteral value: String) { self.init(value) }
}

/// A scrolling table with a header row and a cursor, laid out to the space it is given:
/// columns shrink to their content, low-priority columns drop out on narrow terminals, and the
/// flexible column takes what is left. Drawing is pure: same rows, same cells.
public struct TableView: Sendable {
    public var columns: [TableColumn]
    public var rows: [[TableCell]]
    public var cursor: Int = 0
    public var scrollOffset: Int = 0

    public init(columns: [TableColumn], rows: [[TableCell]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// Moves the cursor and keeps it on screen; `visibleRows` is the height without the header.
    public mutating func moveCursor(by delta: Int, visibleRows: Int) {
        setCursor(cursor + delta, visibleRows: visibleRows)
    }

    public mutating func setCursor(_ index: Int, visibleRows: Int) {
        guard !rows.isEmpty else { cursor = 0; scrollOffset = 0; return }
        cursor = min(max(0, index), rows.count - 1)
        let page = max(1, visibleRows)
        if cursor < scrollOffset { scrollOffset = cursor }
        if cursor >= scrollOffset + page { scrollOffset = cursor - page + 1 }
        scrollOffset = min(scrollOffset, max(0, rows.count - page))
    }

    /// The widths each column gets in `width` columns; 0 for a column that was dropped.
    public func layout(width: Int) -> [Int] {
        let gap = 2
        var natural = columns.enumerated().map { i, c in
            rows.reduce(max(c.minWidth, DisplayWidth.of(c.title))) { max($0, DisplayWidth.of(i < $1.count ? $1[i].text : "")) }
        }
        var shown = Array(repeating: true, count: columns.count)
        func total() -> Int {
            zip(natural, shown).reduce(0) { $0 + ($1.1 ? $1.0 : 0) } + gap * max(0, shown.filter { $0 }.count - 1)
        }
        // Drop the least important columns first, never the first one.
        let dropOrder = columns.indices.dropFirst().sorted { (columns[$0].priority, $0) > (columns[$1].priority, $1) }
        for i in dropOrder where total() > width && columns[i].priority > 0 { shown[i] = false }
        // Then shrink flexible columns, then the widest ones, to what is left.
        var overflow = total() - width
        for i in columns.indices where overflow > 0 && shown[i] && columns[i].flexible {
            let cut = min(overflow, max(0, natural[i] - max(columns[i].minWidth, 8)))
            natural[i] -= cut
            overflow -= cut
        }
        while overflow > 0, let widest = columns.indices.filter({ shown[$0] }).max(by: { natural[$0] < natural[$1] }), natural[widest] > 3 {
            natural[widest] -= 1
            overflow -= 1
        }
        // Give spare room to the flexible column so the table spans the pane.
        if overflow < 0, let flex = columns.indices.first(where: { shown[$0] && columns[$0].flexible }) {
            natural[flex] += -overflow
        }
        return zip(natural, shown).map { $1 ? $0 : 0 }
    }

    /// Draws the header and the visible rows into a rectangle of the buffer.
    public func draw(into buffer: inout CellBuffer, x: Int, y: Int, width: Int, height: Int,
                     headerStyle: Style, rowStyle: Style, cursorStyle: Style, ellipsis: String) {
        guard width > 0, height > 0 else { return }
        let widths = layout(width: width)
        buffer.fill(x: x, y: y, width: width, height: 1, style: headerStyle)
        drawRow(columns.map { TableCell($0.title) }, widths: widths, into: &buffer, x: x, y: y, style: headerStyle, ellipsis: ellipsis, useCellStyles: false)
        let visible = max(0, height - 1)
        for line in 0..<visible {
            let index = scrollOffset + line
            let rowY = y + 1 + line
            guard index < rows.count else { buffer.fill(x: x, y: rowY, width: width, height: 1, style: rowStyle); continue }
            let selected = index == cursor
            let base = selected ? cursorStyle : rowStyle
            buffer.fill(x: x, y: rowY, width: width, height: 1, style: base)
            drawRow(rows[index], widths: widths, into: &buffer, x: x, y: rowY, style: base, ellipsis: ellipsis, useCellStyles: !selected)
        }
    }

    private func drawRow(_ cells: [TableCell], widths: [Int], into buffer: inout CellBuffer, x: Int, y: Int,
                         style: Style, ellipsis: String, useCellStyles: Bool) {
        var col = x
        for (i, w) in widths.enumerated() where w > 0 {
            let cell = i < cells.count ? cells[i] : TableCell("")
            let text = DisplayWidth.truncate(cell.text, to: w, ellipsis: ellipsis)
            let pad = columns[i].alignment == .right ? w - DisplayWidth.of(text) : 0
            var cellStyle = style
            if useCellStyles, let s = cell.style {
                cellStyle.foreground = s.foreground == .default ? style.foreground : s.foreground
                cellStyle.attributes.formUnion(s.attributes)
            }
            buffer.put(text, x: col + pad, y: y, style: cellStyle, maxWidth: w)
            col += w + 2
        }
    }
}
