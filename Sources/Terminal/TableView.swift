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
///
/// `rows` are the source rows as the screen built them; a filter and a sort pick and order the
/// rows shown (`order`). `cursor` counts shown rows; `selectedRow` is the source index under it.
public struct TableView: Sendable {
    public var columns: [TableColumn]
    public var rows: [[TableCell]] { didSet { if !updating { reorder() } } }
    /// Each source row's labels, for label-selector filters; may be empty.
    public var rowLabels: [[String: String]] = [] { didSet { if !updating, filter?.usesLabels == true { reorder() } } }
    public var filter: TableFilter? { didSet { refinements += 1; reorder() } }
    public var sort: TableSort? { didSet { refinements += 1; reorder() } }
    /// Counts changes of `filter` and `sort`: a copy whose count is still this table's was
    /// refined the same way (`adoptRows(of:)`).
    private var refinements = 0
    /// Shown rows as indices into `rows`, in display order.
    public private(set) var order: [Int]
    /// Each column's widest shown cell, measured when the rows change rather than every frame.
    private var contentWidths: [Int] = []
    public var cursor: Int = 0
    public var scrollOffset: Int = 0

    // What `updateRows` needs to refine and measure only the rows that changed:
    /// Whether each source row passes the filter.
    private var passes: [Bool] = []
    /// Each source row's sort key (empty when unsorted).
    private var sortKeys: [SortValue] = []
    /// Per column, how many shown rows have a cell of each width; the widest is the last non-zero.
    private var widthCounts: [[Int]] = []
    /// Set while `updateRows` writes `rows` and `rowLabels`, so their observers do not start over.
    private var updating = false

    public init(columns: [TableColumn], rows: [[TableCell]] = []) {
        self.columns = columns
        self.rows = rows
        order = Array(rows.indices)
        reorder()
    }

    /// The source index of the row under the cursor; nil when nothing is shown.
    public var selectedRow: Int? { order.indices.contains(cursor) ? order[cursor] : nil }

    /// Where a source row is shown, if it passes the filter.
    public func displayIndex(ofRow row: Int) -> Int? { order.firstIndex(of: row) }

    private mutating func reorder() {
        let rows = self.rows, labels = rowLabels
        passes = filter.map { filter in
            rows.indices.map { filter.matches(rows[$0], labels: $0 < labels.count ? labels[$0] : [:]) }
        } ?? Array(repeating: true, count: rows.count)
        sortKeys = sort.map { sort in rows.map { TableView.sortKey($0, column: sort.column) } } ?? []
        order = TableView.order(passes: passes, sortKeys: sortKeys, sort: sort)
        widthCounts = Array(repeating: [], count: columns.count)
        for i in order { count(rows[i], by: 1) }
        contentWidths = widthCounts.map(TableView.widest)
        if cursor >= order.count { cursor = max(0, order.count - 1) }
    }

    /// Replaces some rows (and their labels) in place, the others staying where they are: only
    /// the changed rows are filtered again, placed again in the sort order and measured again.
    /// The result is the same as assigning the whole of `rows` and `rowLabels`.
    public mutating func updateRows(_ changes: [(index: Int, cells: [TableCell], labels: [String: String]?)]) {
        guard !changes.isEmpty else { return }
        updating = true
        defer { updating = false }
        var orderChanged = false
        var moved: [Int] = []  // shown rows whose place in the sort order must be found again
        var isMoved = [Bool]()
        for (index, cells, labels) in changes {
            guard rows.indices.contains(index) else { continue }
            if let labels {
                if rowLabels.count < rows.count { rowLabels += Array(repeating: [:], count: rows.count - rowLabels.count) }
                rowLabels[index] = labels
            }
            let wasShown = passes[index]
            let old = rows[index]
            let textChanged = old.count != cells.count || !zip(old, cells).allSatisfy { $0.text == $1.text }
            rows[index] = cells
            // The filter reads the row's text or its labels: only a change to those can change its verdict.
            var shown = wasShown
            if let filter, filter.usesLabels ? labels != nil : textChanged {
                shown = filter.matches(cells, labels: index < rowLabels.count ? rowLabels[index] : [:])
            }
            passes[index] = shown
            if wasShown && shown && old.count == cells.count {
                // Measure only the cells whose text changed.
                for c in 0..<min(columns.count, cells.count, widthCounts.count) where old[c].text != cells[c].text {
                    count(cell: old[c], column: c, by: -1)
                    count(cell: cells[c], column: c, by: 1)
                }
            } else {
                if wasShown { count(old, by: -1) }
                if shown { count(cells, by: 1) }
            }
            if let sort {
                let sortCellChanged = sort.column >= old.count || sort.column >= cells.count
                    || old[sort.column].text != cells[sort.column].text
                let key = sortCellChanged ? TableView.sortKey(cells, column: sort.column) : sortKeys[index]
                if shown && (!wasShown || key != sortKeys[index]) {
                    if isMoved.isEmpty { isMoved = Array(repeating: false, count: rows.count) }
                    if !isMoved[index] { isMoved[index] = true; moved.append(index) }
                }
                if wasShown && !shown { orderChanged = true }
                sortKeys[index] = key
            } else if wasShown != shown {
                orderChanged = true
            }
        }
        if let sort, !moved.isEmpty, moved.count > max(16, rows.count / 16) {
            // Many rows moved: sorting again costs less than placing each.
            order = TableView.order(passes: passes, sortKeys: sortKeys, sort: sort)
        } else if let sort {
            if orderChanged || !moved.isEmpty {
                var placed = order.filter { passes[$0] && (isMoved.isEmpty || !isMoved[$0]) }
                for index in moved where passes[index] {  // (a row may have been hidden by a later change)
                    let at = TableView.insertionPoint(of: index, in: placed, sortKeys: sortKeys, ascending: sort.ascending)
                    placed.insert(index, at: at)
                }
                order = placed
            }
        } else if orderChanged {
            order = passes.indices.filter { passes[$0] }
        }
        contentWidths = widthCounts.map(TableView.widest)
        if cursor >= order.count { cursor = max(0, order.count - 1) }
    }

    /// Takes the rows and labels of `other`, a copy of this table whose rows were replaced
    /// elsewhere (off the main actor), with what that copy worked out for them: which rows pass
    /// the filter, their sort order and keys, and the column widths. The cursor and scroll stay.
    /// When this table's filter or sort changed since the copy was made, the rows are filtered,
    /// sorted and measured again here instead, so the result is always as if assigned.
    public mutating func adoptRows(of other: TableView) {
        guard other.refinements == refinements, other.columns == columns else {
            updating = true
            rowLabels = other.rowLabels
            rows = other.rows
            updating = false
            reorder()
            return
        }
        updating = true
        rowLabels = other.rowLabels
        rows = other.rows
        updating = false
        passes = other.passes
        sortKeys = other.sortKeys
        order = other.order
        widthCounts = other.widthCounts
        contentWidths = other.contentWidths
        if cursor >= order.count { cursor = max(0, order.count - 1) }
    }

    /// Adds (`by: 1`) or removes (`by: -1`) a shown row's cell widths.
    private mutating func count(_ row: [TableCell], by delta: Int) {
        for c in 0..<min(columns.count, row.count, widthCounts.count) { count(cell: row[c], column: c, by: delta) }
    }

    private mutating func count(cell: TableCell, column c: Int, by delta: Int) {
        let w = DisplayWidth.of(cell.text)
        if widthCounts[c].count <= w { widthCounts[c] += Array(repeating: 0, count: w + 1 - widthCounts[c].count) }
        widthCounts[c][w] += delta
    }

    private static func widest(_ counts: [Int]) -> Int { counts.lastIndex { $0 > 0 } ?? 0 }

    static func contentWidths(rows: [[TableCell]], order: [Int], columns: Int) -> [Int] {
        var widths = Array(repeating: 0, count: columns)
        for i in order {
            let row = rows[i]
            for c in 0..<min(columns, row.count) { widths[c] = max(widths[c], DisplayWidth.of(row[c].text)) }
        }
        return widths
    }

    /// Moves the cursor and keeps it on screen; `visibleRows` is the height without the header.
    public mutating func moveCursor(by delta: Int, visibleRows: Int) {
        setCursor(cursor + delta, visibleRows: visibleRows)
    }

    public mutating func setCursor(_ index: Int, visibleRows: Int) {
        guard !order.isEmpty else { cursor = 0; scrollOffset = 0; return }
        cursor = min(max(0, index), order.count - 1)
        let page = max(1, visibleRows)
        if cursor < scrollOffset { scrollOffset = cursor }
        if cursor >= scrollOffset + page { scrollOffset = cursor - page + 1 }
        scrollOffset = min(scrollOffset, max(0, order.count - page))
    }

    /// The widths each column gets in `width` columns; 0 for a column that was dropped.
    public func layout(width: Int) -> [Int] {
        let gap = 2
        var natural = columns.enumerated().map { i, c in
            // One more column for the sort marker beside the sorted column's title.
            let title = DisplayWidth.of(c.title) + (sort?.column == i ? 1 : 0)
            return max(c.minWidth, title, i < contentWidths.count ? contentWidths[i] : 0)
        }
        var shown = Array(repeating: true, count: columns.count)
        // When deciding which columns to drop, a flexible column counts at most 40 wide: a long
        // message must not push out the columns beside it; it is cut to fit instead.
        let flexibleCap = 40
        func total(capped: Bool = false) -> Int {
            columns.indices.reduce(0) { sum, i in
                guard shown[i] else { return sum }
                return sum + (capped && columns[i].flexible ? min(natural[i], max(columns[i].minWidth, flexibleCap)) : natural[i])
            } + gap * max(0, shown.filter { $0 }.count - 1)
        }
        // Drop the least important columns first, never the first one.
        let dropOrder = columns.indices.dropFirst().sorted { (columns[$0].priority, $0) > (columns[$1].priority, $1) }
        for i in dropOrder where total(capped: true) > width && columns[i].priority > 0 { shown[i] = false }
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

    /// Draws the header and the visible rows into a rectangle of the buffer. The sorted column's
    /// title carries an arrow (ASCII `^`/`v` when the ellipsis says the terminal has no Unicode),
    /// in `sortStyle` when given.
    public func draw(into buffer: inout CellBuffer, x: Int, y: Int, width: Int, height: Int,
                     headerStyle: Style, rowStyle: Style, cursorStyle: Style, ellipsis: String, sortStyle: Style? = nil) {
        guard width > 0, height > 0 else { return }
        let widths = layout(width: width)
        buffer.fill(x: x, y: y, width: width, height: 1, style: headerStyle)
        let unicode = ellipsis == Glyphs.unicode.ellipsis
        let titles = columns.enumerated().map { i, c -> TableCell in
            guard let sort, sort.column == i else { return TableCell(c.title) }
            let arrow = sort.ascending ? (unicode ? "↑" : "^") : (unicode ? "↓" : "v")
            return TableCell(c.title + arrow, style: sortStyle)
        }
        drawRow(titles, widths: widths, into: &buffer, x: x, y: y, style: headerStyle, ellipsis: ellipsis, useCellStyles: sortStyle != nil)
        let visible = max(0, height - 1)
        for line in 0..<visible {
            let index = scrollOffset + line
            let rowY = y + 1 + line
            guard index < order.count else { buffer.fill(x: x, y: rowY, width: width, height: 1, style: rowStyle); continue }
            let selected = index == cursor
            let base = selected ? cursorStyle : rowStyle
            buffer.fill(x: x, y: rowY, width: width, height: 1, style: base)
            drawRow(rows[order[index]], widths: widths, into: &buffer, x: x, y: rowY, style: base, ellipsis: ellipsis, useCellStyles: !selected)
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
