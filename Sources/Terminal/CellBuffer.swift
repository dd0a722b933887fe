/// One terminal cell. A wide character occupies its cell and marks the next as its continuation.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var style: Style
    /// True for the right half of a wide character: the backend writes nothing there.
    public var isContinuation: Bool

    public init(text: String = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.text = text
        self.style = style
        self.isContinuation = isContinuation
    }

    public static let blank = Cell()
}

/// A rectangle of cells that widgets draw into. Screens render into a buffer; the backend
/// compares it with what is on the terminal and writes only the cells that changed, so the
/// console never flickers and every screen can be rendered and inspected headless in tests.
public struct CellBuffer: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { contains(x: x, y: y) ? cells[y * width + x] : .blank }
        set { if contains(x: x, y: y) { cells[y * width + x] = newValue } }
    }

    public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

    /// Fills a rectangle with blanks of a style (backgrounds, clearing a pane).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: Style = .plain, with text: String = " ") {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) {
                cells[row * width + col] = Cell(text: text, style: style)
            }
        }
    }

    /// Writes text from (x, y) on one line, at most `maxWidth` columns (to the right edge when nil).
    /// Returns the number of columns written. Control characters are shown as "?" so that text from
    /// the cluster (pod names, log lines) can never move the cursor or change the terminal's state.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, maxWidth.map { x + max(0, $0) } ?? width)
        var col = x
        for character in text {
            var shown = character
            var w = DisplayWidth.of(character)
            if character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }) {
                shown = "?"
                w = 1
            }
            if w == 0 { continue }
            if col + w > limit { break }
            if col >= 0 {
                clearWideNeighbours(x: col, y: y, width: w)
                cells[y * width + col] = Cell(text: String(shown), style: style)
                if w == 2 { cells[y * width + col + 1] = Cell(text: "", style: style, isContinuation: true) }
            }
            col += w
        }
        return max(0, col - max(x, 0))
    }

    /// Overwriting half of a wide character leaves the other half as a blank, as terminals do.
    private mutating func clearWideNeighbours(x: Int, y: Int, width w: Int) {
        let first = y * width + x
        if cells[first].isContinuation, x > 0 { cells[first - 1] = Cell(text: " ", style: cells[first - 1].style) }
        let after = x + w
        if after < width, cells[y * width + after].isContinuation {
            cells[y * width + after] = Cell(text: " ", style: cells[y * width + after].style)
        }
    }

    /// Changes the style of existing cells without touching their text (selection highlight).
    public mutating func restyle(x: Int, y: Int, width w: Int, _ change: (inout Style) -> Void) {
        guard y >= 0, y < height else { return }
        for col in max(0, x)..<min(width, x + w) { change(&cells[y * width + col].style) }
    }

    /// The text of one row, for tests and for plain-text dumps.
    public func line(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        return cells[(y * width)..<(y * width + width)].filter { !$0.isContinuation }.map(\.text).joined()
    }

    /// All rows joined by newlines, trailing blanks kept so columns can be checked.
    public var text: String { (0..<height).map(line).joined(separator: "\n") }

    /// Runs of changed cells between two buffers of the same size, row by row: what the backend writes.
    public func changedRuns(since previous: CellBuffer?) -> [(x: Int, y: Int, cells: ArraySlice<Cell>)] {
        guard let previous, previous.width == width, previous.height == height else {
            return (0..<height).map { (0, $0, cells[($0 * width)..<($0 * width + width)]) }
        }
        var runs: [(x: Int, y: Int, cells: ArraySlice<Cell>)] = []
        for y in 0..<height {
            var x = 0
            while x < width {
                let i = y * width + x
                if cells[i] == previous.cells[i] { x += 1; continue }
                var end = x
                while end < width, cells[y * width + end] != previous.cells[y * width + end] { end += 1 }
                // A run never starts on the right half of a wide character.
                let start = (x > 0 && cells[i].isContinuation) ? x - 1 : x
                runs.append((start, y, cells[(y * width + start)..<(y * width + end)]))
                x = end
            }
        }
        return runs
    }
}
