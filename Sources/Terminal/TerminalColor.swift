import Foundation

/// A colour as a theme or widget names it. The backend reduces it to what the terminal can show.
public enum TerminalColor: Sendable, Hashable {
    /// The terminal's own foreground or background (transparent backgrounds in tmux and over ssh).
    case `default`
    /// One of the 16 ANSI colours (0–7 normal, 8–15 bright).
    case ansi(UInt8)
    /// An entry of the xterm 256-colour palette.
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    public static let black = TerminalColor.ansi(0)
    public static let red = TerminalColor.ansi(1)
    public static let green = TerminalColor.ansi(2)
    public static let yellow = TerminalColor.ansi(3)
    public static let blue = TerminalColor.ansi(4)
    public static let magenta = TerminalColor.ansi(5)
    public static let cyan = TerminalColor.ansi(6)
    public static let white = TerminalColor.ansi(7)
    public static let gray = TerminalColor.ansi(8)
    public static let brightRed = TerminalColor.ansi(9)
    public static let brightGreen = TerminalColor.ansi(10)
    public static let brightYellow = TerminalColor.ansi(11)
    public static let brightBlue = TerminalColor.ansi(12)
    public static let brightWhite = TerminalColor.ansi(15)

    /// Parses "#rrggbb", "#rgb", "default" or "-" (transparent, as k9s skins write it), or a
    /// colour name (the 16 ANSI names and the common W3C/X11 names k9s skins use).
    public init?(parsing text: String) {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if s == "default" || s == "-" || s.isEmpty { self = .default; return }
        if s.hasPrefix("#") {
            let hex = Array(s.dropFirst())
            let digits: [UInt8]
            switch hex.count {
            case 6: digits = hex.map { UInt8(String($0), radix: 16) ?? 255 }
            case 3: digits = hex.flatMap { c -> [UInt8] in let v = UInt8(String(c), radix: 16) ?? 255; return [v, v] }
            default: return nil
            }
            if digits.contains(255) { return nil }
            self = .rgb(digits[0] << 4 | digits[1], digits[2] << 4 | digits[3], digits[4] << 4 | digits[5])
            return
        }
        if let c = TerminalColor.named[s] { self = c; return }
        return nil
    }

    /// The xterm-compatible RGB value of this colour; nil for `.default`.
    public var rgbValue: (r: UInt8, g: UInt8, b: UInt8)? {
        switch self {
        case .default: return nil
        case let .rgb(r, g, b): return (r, g, b)
        case let .ansi(n): return TerminalColor.ansiRGB[Int(n & 15)]
        case let .indexed(n): return TerminalColor.xterm256RGB(n)
        }
    }

    static let ansiRGB: [(r: UInt8, g: UInt8, b: UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    static func xterm256RGB(_ n: UInt8) -> (r: UInt8, g: UInt8, b: UInt8) {
        if n < 16 { return ansiRGB[Int(n)] }
        if n >= 232 { let v = UInt8(8 + 10 * (Int(n) - 232)); return (v, v, v) }
        let i = Int(n) - 16
        let level: (Int) -> UInt8 = { $0 == 0 ? 0 : UInt8(55 + 40 * $0) }
        return (level(i / 36), level((i / 6) % 6), level(i % 6))
    }

    static let named: [String: TerminalColor] = [
        "black": .ansi(0), "red": .ansi(1), "green": .ansi(2), "yellow": .ansi(3), "blue": .ansi(4),
        "magenta": .ansi(5), "purple": .rgb(128, 0, 128), "cyan": .ansi(6), "white": .ansi(7), "gray": .ansi(8),
        "grey": .ansi(8), "silver": .rgb(192, 192, 192), "maroon": .rgb(128, 0, 0), "olive": .rgb(128, 128, 0),
        "navy": .rgb(0, 0, 128), "teal": .rgb(0, 128, 128), "lime": .rgb(0, 255, 0), "aqua": .rgb(0, 255, 255),
        "fuchsia": .rgb(255, 0, 255), "orange": .rgb(255, 165, 0), "orangered": .rgb(255, 69, 0),
        "dodgerblue": .rgb(30, 144, 255), "steelblue": .rgb(70, 130, 180), "cadetblue": .rgb(95, 158, 160),
        "lightskyblue": .rgb(135, 206, 250), "skyblue": .rgb(135, 206, 235), "deepskyblue": .rgb(0, 191, 255),
        "royalblue": .rgb(65, 105, 225), "cornflowerblue": .rgb(100, 149, 237), "lightblue": .rgb(173, 216, 230),
        "darkblue": .rgb(0, 0, 139), "mediumblue": .rgb(0, 0, 205), "darkgoldenrod": .rgb(184, 134, 11),
        "gold": .rgb(255, 215, 0), "goldenrod": .rgb(218, 165, 32), "khaki": .rgb(240, 230, 140),
        "papayawhip": .rgb(255, 239, 213), "seagreen": .rgb(46, 139, 87), "mediumseagreen": .rgb(60, 179, 113),
        "lightseagreen": .rgb(32, 178, 170), "palegreen": .rgb(152, 251, 152), "lawngreen": .rgb(124, 252, 0),
        "greenyellow": .rgb(173, 255, 47), "darkgreen": .rgb(0, 100, 0), "darkolivegreen": .rgb(85, 107, 47),
        "springgreen": .rgb(0, 255, 127), "mediumspringgreen": .rgb(0, 250, 154), "darkorange": .rgb(255, 140, 0),
        "tomato": .rgb(255, 99, 71), "coral": .rgb(255, 127, 80), "salmon": .rgb(250, 128, 114),
        "indianred": .rgb(205, 92, 92), "crimson": .rgb(220, 20, 60), "firebrick": .rgb(178, 34, 34),
        "darkred": .rgb(139, 0, 0), "hotpink": .rgb(255, 105, 180), "deeppink": .rgb(255, 20, 147),
        "pink": .rgb(255, 192, 203), "plum": .rgb(221, 160, 221), "violet": .rgb(238, 130, 238),
        "orchid": .rgb(218, 112, 214), "mediumpurple": .rgb(147, 112, 219), "rebeccapurple": .rgb(102, 51, 153),
        "blueviolet": .rgb(138, 43, 226), "darkviolet": .rgb(148, 0, 211), "darkmagenta": .rgb(139, 0, 139),
        "indigo": .rgb(75, 0, 130), "slateblue": .rgb(106, 90, 205), "darkslateblue": .rgb(72, 61, 139),
        "slategray": .rgb(112, 128, 144), "slategrey": .rgb(112, 128, 144), "lightslategray": .rgb(119, 136, 153),
        "darkslategray": .rgb(47, 79, 79), "dimgray": .rgb(105, 105, 105), "dimgrey": .rgb(105, 105, 105),
        "darkgray": .rgb(169, 169, 169), "darkgrey": .rgb(169, 169, 169), "lightgray": .rgb(211, 211, 211),
        "lightgrey": .rgb(211, 211, 211), "gainsboro": .rgb(220, 220, 220), "whitesmoke": .rgb(245, 245, 245),
        "ghostwhite": .rgb(248, 248, 255), "ivory": .rgb(255, 255, 240), "beige": .rgb(245, 245, 220),
        "wheat": .rgb(245, 222, 179), "tan": .rgb(210, 180, 140), "chocolate": .rgb(210, 105, 30),
        "sienna": .rgb(160, 82, 45), "brown": .rgb(165, 42, 42), "turquoise": .rgb(64, 224, 208),
        "darkturquoise": .rgb(0, 206, 209), "mediumturquoise": .rgb(72, 209, 204), "aquamarine": .rgb(127, 255, 212),
        "darkcyan": .rgb(0, 139, 139), "powderblue": .rgb(176, 224, 230), "lightcyan": .rgb(224, 255, 255),
        "lightyellow": .rgb(255, 255, 224), "lightgreen": .rgb(144, 238, 144), "yellowgreen": .rgb(154, 205, 50),
        "chartreuse": .rgb(127, 255, 0), "mintcream": .rgb(245, 255, 250), "lavender": .rgb(230, 230, 250),
        "thistle": .rgb(216, 191, 216), "aliceblue": .rgb(240, 248, 255), "antiquewhite": .rgb(250, 235, 215),
        "azure": .rgb(240, 255, 255), "bisque": .rgb(255, 228, 196), "blanchedalmond": .rgb(255, 235, 205),
        "burlywood": .rgb(222, 184, 135), "cornsilk": .rgb(255, 248, 220), "darkkhaki": .rgb(189, 183, 107),
        "darkseagreen": .rgb(143, 188, 143), "floralwhite": .rgb(255, 250, 240), "forestgreen": .rgb(34, 139, 34),
        "honeydew": .rgb(240, 255, 240), "lavenderblush": .rgb(255, 240, 245), "lemonchiffon": .rgb(255, 250, 205),
        "lightgoldenrodyellow": .rgb(250, 250, 210), "lightpink": .rgb(255, 182, 193), "lightslategrey": .rgb(119, 136, 153),
        "lightsteelblue": .rgb(176, 196, 222), "limegreen": .rgb(50, 205, 50), "linen": .rgb(250, 240, 230),
        "mediumaquamarine": .rgb(102, 205, 170), "mediumslateblue": .rgb(123, 104, 238), "midnightblue": .rgb(25, 25, 112),
        "oldlace": .rgb(253, 245, 230), "olivedrab": .rgb(107, 142, 35), "palegoldenrod": .rgb(238, 232, 170),
        "paleturquoise": .rgb(175, 238, 238), "peru": .rgb(205, 133, 63), "rosybrown": .rgb(188, 143, 143),
        "saddlebrown": .rgb(139, 69, 19), "sandybrown": .rgb(244, 164, 96), "seashell": .rgb(255, 245, 238),
        "snow": .rgb(255, 250, 250), "darkslategrey": .rgb(47, 79, 79), "navajowhite": .rgb(255, 222, 173), "moccasin": .rgb(255, 228, 181),
        "peachpuff": .rgb(255, 218, 185), "mistyrose": .rgb(255, 228, 225), "darksalmon": .rgb(233, 150, 122),
        "lightsalmon": .rgb(255, 160, 122), "lightcoral": .rgb(240, 128, 128), "palevioletred": .rgb(219, 112, 147),
        "mediumvioletred": .rgb(199, 21, 133), "darkorchid": .rgb(153, 50, 204), "mediumorchid": .rgb(186, 85, 211),
    ]
}
