/// A key the user pressed, decoded from the terminal.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete, insert
    /// Ctrl plus a letter, lower-cased ("ctrl-d" is `.ctrl("d")`).
    case ctrl(Character)
    case function(Int)
    /// The terminal changed size; the next frame is drawn at the new size.
    case resize

    public var description: String {
        switch self {
        case let .character(c): return String(c)
        case .up: return "up"
        case .down: return "down"
        case .left: return "left"
        case .right: return "right"
        case .pageUp: return "pgup"
        case .pageDown: return "pgdn"
        case .home: return "home"
        case .end: return "end"
        case .enter: return "enter"
        case .escape: return "esc"
        case .tab: return "tab"
        case .backTab: return "shift-tab"
        case .backspace: return "backspace"
        case .delete: return "delete"
        case .insert: return "insert"
        case let .ctrl(c): return "ctrl-\(c)"
        case let .function(n): return "f\(n)"
        case .resize: return "resize"
        }
    }

    /// Decodes a plain character code (not a function-key code): control codes become the keys
    /// they stand for, everything printable a character. Returns nil for codes that mean nothing.
    public static func fromCharacterCode(_ code: UInt32) -> Key? {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 0: return .ctrl(" ")
        case 1...26: return .ctrl(Character(Unicode.Scalar(code + 96)!))
        case 28...31: return nil
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .character(Character(scalar))
        }
    }
}
