/// A time-series graph drawn into cells, as btop and nvtop draw theirs: braille (2×4 dots per
/// cell) where the terminal has Unicode, eighth blocks otherwise, and ASCII levels when the
/// locale is not UTF-8. The newest sample is at the right edge; gaps (nil) stay blank.
public struct Graph: Sendable {
    public enum Mode: Sendable, Equatable {
        /// Eighth blocks (▁▂▃▄▅▆▇█), one sample per column.
        case blocks
        /// Braille dots: two samples per column, four levels per row.
        case braille
    }

    public var samples: [Double?]
    /// The value at the top of the graph; nil scales to the largest sample.
    public var maximum: Double?
    public var mode: Mode

    public init(samples: [Double?], maximum: Double? = nil, mode: Mode = .braille) {
        self.samples = samples
        self.maximum = maximum
        self.mode = mode
    }

    /// The mode the glyph set allows: braille only with Unicode.
    public func effectiveMode(_ glyphs: Glyphs) -> Mode { glyphs.usesBraille ? mode : .blocks }

    /// Draws the graph into `width`×`height` cells at (x, y).
    public func draw(into buffer: inout CellBuffer, x: Int, y: Int, width: Int, height: Int, style: Style, glyphs: Glyphs) {
        guard width > 0, height > 0 else { return }
        let mode = effectiveMode(glyphs)
        let perColumn = mode == .braille ? 2 : 1
        let levelsPerRow = mode == .braille ? 4 : 8
        let shown = Array(samples.suffix(width * perColumn))
        // Right-align: the newest sample sits at the right edge.
        let padding = width * perColumn - shown.count
        let top = scale(shown)
        for column in 0..<width {
            for row in 0..<height {
                // Levels filled in this cell, counted from the cell's bottom, for each sample.
                let rowFromBottom = height - 1 - row
                var fills: [Int] = []
                for sub in 0..<perColumn {
                    let index = column * perColumn + sub - padding
                    guard index >= 0, index < shown.count, let value = shown[index] else { fills.append(-1); continue }
                    let total = Int((max(0, value) / top * Double(height * levelsPerRow)).rounded())
                    // A non-zero value always shows at least one level, so activity is never invisible.
                    let level = value > 0 ? max(1, total) : 0
                    fills.append(min(levelsPerRow, max(0, level - rowFromBottom * levelsPerRow)))
                }
                let text = mode == .braille ? Graph.braille(left: fills[0], right: fills[1])
                    : Graph.block(fills[0], glyphs: glyphs)
                buffer.put(text, x: x + column, y: y + row, style: style)
            }
        }
    }

    /// The top of the scale: the given maximum, else the largest sample (1 when all are 0).
    func scale(_ values: [Double?]) -> Double {
        if let maximum, maximum > 0 { return maximum }
        let largest = values.compactMap { $0 }.max() ?? 0
        return largest > 0 ? largest : 1
    }

    /// A one-line sparkline of the last `width` samples (for table cells and headers).
    public static func sparkline(_ samples: [Double?], width: Int, maximum: Double? = nil, glyphs: Glyphs) -> String {
        var buffer = CellBuffer(width: width, height: 1)
        Graph(samples: samples, maximum: maximum, mode: .blocks).draw(into: &buffer, x: 0, y: 0, width: width, height: 1, style: .plain, glyphs: glyphs)
        return buffer.line(0)
    }

    /// Braille cell with the lowest `left`/`right` dots of each column filled (-1: no sample).
    static func braille(left: Int, right: Int) -> String {
        // Dot bits from the bottom row up: left column 7,3,2,1; right column 8,6,5,4.
        let leftBits: [UInt32] = [0x40, 0x04, 0x02, 0x01]
        let rightBits: [UInt32] = [0x80, 0x20, 0x10, 0x08]
        var bits: UInt32 = 0
        for i in 0..<max(0, left) { bits |= leftBits[i] }
        for i in 0..<max(0, right) { bits |= rightBits[i] }
        if bits == 0 { return " " }
        return String(Character(Unicode.Scalar(0x2800 + bits)!))
    }

    /// One block cell filled to `eighths` of its height (-1: no sample).
    static func block(_ eighths: Int, glyphs: Glyphs) -> String {
        if eighths <= 0 { return " " }
        return glyphs.sparkLevels[min(8, eighths) - 1]
    }
}
