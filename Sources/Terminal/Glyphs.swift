import Foundation

/// The characters used for borders, bars and graphs, with an ASCII set for terminals whose
/// locale is not UTF-8 (a bastion's plain `LANG=C`).
public struct Glyphs: Sendable, Equatable {
    public var horizontal: String
    public var vertical: String
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String
    public var ellipsis: String
    /// Bar fills from empty to full in eighths (index 0 is empty, 8 full).
    public var barEighths: [String]
    /// Sparkline levels from lowest to highest.
    public var sparkLevels: [String]
    public var usesBraille: Bool

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ellipsis: "…", barEighths: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
        sparkLevels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], usesBraille: true)

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ellipsis: "~", barEighths: [" ", " ", " ", " ", "=", "=", "=", "=", "#"],
        sparkLevels: ["_", ".", "-", "-", "=", "=", "#", "#"], usesBraille: false)

    /// What a cell shows on a terminal without Unicode: ASCII stays, a few common signs get an
    /// ASCII look-alike, anything else is "?". One column in, one column out, so the screen's
    /// layout holds (a multi-byte character in a C locale would push the rest of the line).
    public static func asciiCell(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        switch text {
        case "…": return "."
        case "·", "─", "—", "–": return "-"
        case "│": return "|"
        case "↑": return "^"
        case "↓": return "v"
        case "┌", "┐", "└", "┘": return "+"
        default: return "?"
        }
    }

    /// Unicode when the active locale's codeset is UTF-8.
    public static func forCodeset(_ codeset: String) -> Glyphs {
        let c = codeset.uppercased().replacingOccurrences(of: "-", with: "")
        return c == "UTF8" ? .unicode : .ascii
    }
}
