import CNcurses
#if canImport(Glibc)
import Glibc
#endif

/// Why the terminal could not be taken over.
public enum TerminalError: Error, CustomStringConvertible, Sendable {
    case notATerminal
    case unknownTerminal(String)

    public var description: String {
        switch self {
        case .notATerminal:
            return "standard input/output is not a terminal; the console needs one (use `kvdeck get ...` for scripts)"
        case let .unknownTerminal(term):
            return "cannot open terminal type '\(term)'; set TERM to a known type such as xterm-256color"
        }
    }
}

/// The ncursesw backend: takes over the terminal, writes only the cells that changed since the
/// last frame, and decodes keys. Not thread-safe (ncurses is not): one task owns it.
public final class NcursesScreen {
    public private(set) var depth: ColorDepth
    public let glyphs: Glyphs
    private var screen: OpaquePointer?
    private var previous: CellBuffer?
    private var pairs: [PairKey: Int16] = [:]
    private var nextPair: Int16 = 1
    private let maxPairs: Int16

    private struct PairKey: Hashable {
        var foreground: Int32
        var background: Int32
    }

    /// Starts curses on the controlling terminal. `noColor` is the `--no-color` flag.
    public init(environment: [String: String], noColor: Bool = false) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalError.notATerminal }
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty else { throw TerminalError.unknownTerminal("(unset)") }
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        glyphs = Glyphs.forCodeset(codeset)
        // newterm, unlike initscr, returns nil for an unknown terminal instead of exiting the process.
        guard let s = newterm(nil, fdopen(STDOUT_FILENO, "w"), fdopen(STDIN_FILENO, "r")) else { throw TerminalError.unknownTerminal(term) }
        screen = s
        set_term(s)
        // raw, not cbreak: ctrl-c arrives as a key (it cancels a chat reply, else quits) instead of SIGINT.
        raw()
        noecho()
        nonl()
        keypad(kvd_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        var reported: Int? = nil
        if has_colors() {
            start_color()
            use_default_colors()
            reported = Int(kvd_colors())
        }
        // Colours go through ncurses' palette, so 256 is the most we can address; truecolor
        // requests are reduced to the nearest palette entry.
        depth = min(ColorDepth.detect(environment: environment, reported: reported, noColorFlag: noColor), .indexed256)
        if reported == nil { depth = .monochrome }
        maxPairs = Int16(clamping: min(Int(kvd_color_pairs()) - 1, 32_000))
    }

    deinit { stop() }

    /// The terminal's current size in columns and rows.
    public var size: (width: Int, height: Int) {
        (Int(getmaxx(kvd_stdscr())), Int(getmaxy(kvd_stdscr())))
    }

    /// Writes a frame: only the runs of cells that differ from the previous frame.
    public func present(_ buffer: CellBuffer) {
        guard screen != nil, !isPaused else { return }
        if let p = previous, p.width != buffer.width || p.height != buffer.height {
            previous = nil
            clearok(kvd_stdscr(), true)
        }
        for run in buffer.changedRuns(since: previous) {
            move(Int32(run.y), Int32(run.x))
            for cell in run.cells where !cell.isContinuation {
                apply(cell.style)
                let text = cell.text.isEmpty ? " " : cell.text
                _ = addstr(glyphs.usesBraille ? text : Glyphs.asciiCell(text))
            }
        }
        attr_set(0, 0, nil)
        refresh()
        previous = buffer
    }

    /// Waits up to `timeoutMilliseconds` for a key; nil when none came.
    public func readKey(timeoutMilliseconds: Int32) -> Key? {
        guard screen != nil, !isPaused else { return nil }
        timeout(timeoutMilliseconds)
        var ch: wint_t = 0
        let result = get_wch(&ch)
        if result == ERR { return nil }
        if result == KEY_CODE_YES { return functionKey(Int32(ch)) }
        return Key.fromCharacterCode(UInt32(ch))
    }

    /// Leaves curses mode so that a child process (an interactive exec credential plugin, an
    /// editor) can use the terminal, then takes it back and repaints everything.
    public func suspend<T>(_ body: () throws -> T) rethrows -> T {
        pause()
        defer { resume() }
        return try body()
    }

    /// True between `pause()` and `resume()`: frames and key reads wait, the terminal is someone else's.
    public private(set) var isPaused = false

    /// Gives the terminal to another program until `resume()`.
    public func pause() {
        guard screen != nil, !isPaused else { return }
        isPaused = true
        endwin()
    }

    /// Takes the terminal back and repaints everything on the next frame.
    public func resume() {
        guard screen != nil, isPaused else { return }
        isPaused = false
        refresh()
        previous = nil
    }

    /// Gives the terminal back. Safe to call more than once.
    public func stop() {
        guard let s = screen else { return }
        endwin()
        delscreen(s)
        screen = nil
    }

    private func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_IC: return .insert
        case KEY_BTAB: return .backTab
        case KEY_RESIZE: return .resize
        case (KEY_F0 + 1)...(KEY_F0 + 24): return .function(Int(code - KEY_F0))
        default: return nil
        }
    }

    private func apply(_ style: Style) {
        var attributes: Int32 = 0
        if style.attributes.contains(.bold) { attributes |= Int32(kvd_a_bold()) }
        if style.attributes.contains(.dim) { attributes |= Int32(kvd_a_dim()) }
        if style.attributes.contains(.underline) { attributes |= Int32(kvd_a_underline()) }
        if style.attributes.contains(.reverse) { attributes |= Int32(kvd_a_reverse()) }
        let pair = depth == .monochrome ? 0 : pairNumber(style)
        attr_set(attr_t(attributes), pair, nil)
    }

    private func pairNumber(_ style: Style) -> Int16 {
        let key = PairKey(foreground: colorNumber(style.foreground), background: colorNumber(style.background))
        if key.foreground == -1, key.background == -1 { return 0 }
        if let p = pairs[key] { return p }
        if nextPair > maxPairs {
            // Out of pairs: start over; the next frame repaints with fresh ones.
            pairs.removeAll()
            nextPair = 1
            previous = nil
        }
        let p = nextPair
        nextPair += 1
        init_pair(p, Int16(key.foreground), Int16(key.background))
        pairs[key] = p
        return p
    }

    private func colorNumber(_ color: TerminalColor) -> Int32 {
        switch color.reduced(to: depth) {
        case .default: return -1
        case let .ansi(n): return Int32(n)
        case let .indexed(n): return Int32(n)
        case .rgb: return -1
        }
    }
}
