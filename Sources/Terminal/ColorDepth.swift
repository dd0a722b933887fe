/// How many colours the terminal shows; everything drawn is reduced to this before it is written.
public enum ColorDepth: Int, Sendable, Comparable, CaseIterable {
    case monochrome = 0
    case ansi16 = 16
    case indexed256 = 256
    case truecolor = 16_777_216

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// The depth the environment asks for: `NO_COLOR` (any value) or `--no-color` force monochrome;
    /// `COLORTERM=truecolor|24bit` gives truecolor; a `*-256color` TERM gives 256; otherwise the
    /// number of colours terminfo reports (`reported`), defaulting to 16.
    public static func detect(environment: [String: String], reported: Int?, noColorFlag: Bool = false) -> ColorDepth {
        if noColorFlag || environment["NO_COLOR"] != nil { return .monochrome }
        let term = environment["TERM"] ?? ""
        if term == "dumb" { return .monochrome }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        if colorterm == "truecolor" || colorterm == "24bit" { return .truecolor }
        if let reported {
            if reported >= 16_777_216 { return .truecolor }
            if reported >= 256 { return .indexed256 }
            if reported >= 8 { return .ansi16 }
            if reported > 0 { return .ansi16 }
            return .monochrome
        }
        if term.hasSuffix("256color") { return .indexed256 }
        return .ansi16
    }
}

extension TerminalColor {
    /// The nearest colour the given depth can show (`.default` stays itself; monochrome keeps nothing else).
    public func reduced(to depth: ColorDepth) -> TerminalColor {
        switch (self, depth) {
        case (.default, _): return .default
        case (_, .monochrome): return .default
        case (_, .truecolor): return self
        case (.ansi, _): return self
        case (.indexed(let n), .indexed256): return .indexed(n)
        case (.rgb(let r, let g, let b), .indexed256): return .indexed(TerminalColor.nearest256(r, g, b))
        case (.indexed(let n), .ansi16) where n < 16: return .ansi(n)
        case (_, .ansi16):
            guard let c = rgbValue else { return .default }
            return .ansi(TerminalColor.nearest16(c.r, c.g, c.b))
        }
    }

    /// The closest entry of the 6×6×6 cube or the grey ramp, by squared distance, as btop and tmux do.
    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        func cubeIndex(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        let (ri, gi, bi) = (cubeIndex(r), cubeIndex(g), cubeIndex(b))
        let cube = UInt8(16 + 36 * ri + 6 * gi + bi)
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = UInt8(232 + greyIndex)
        return distance(xterm256RGB(cube), (r, g, b)) <= distance(xterm256RGB(grey), (r, g, b)) ? cube : grey
    }

    static func nearest16(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        var best: UInt8 = 0
        var bestDistance = Int.max
        for (i, c) in ansiRGB.enumerated() {
            let d = distance(c, (r, g, b))
            if d < bestDistance { bestDistance = d; best = UInt8(i) }
        }
        return best
    }

    static func distance(_ a: (r: UInt8, g: UInt8, b: UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(a.r) - Int(b.0), dg = Int(a.g) - Int(b.1), db = Int(a.b) - Int(b.2)
        return dr * dr + dg * dg + db * db
    }
}
