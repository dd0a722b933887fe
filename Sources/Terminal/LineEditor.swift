/// One line of text being typed (the command bar, the filter prompt): insert at the cursor,
/// backspace, delete, move, and the readline keys users expect over ssh (ctrl-a/e/u/w).
public struct LineEditor: Sendable, Equatable {
    public private(set) var text: String
    /// The cursor as a count of characters from the start.
    public private(set) var cursor: Int

    public init(_ text: String = "") {
        self.text = text
        cursor = text.count
    }

    public mutating func replace(with text: String) {
        self.text = text
        cursor = text.count
    }

    /// Applies an editing key; false for keys that do not edit (Enter, Esc, Tab, arrows up/down).
    public mutating func apply(_ key: Key) -> Bool {
        var chars = Array(text)
        switch key {
        case let .character(c):
            chars.insert(c, at: cursor)
            cursor += 1
        case .backspace, .ctrl("h"):
            guard cursor > 0 else { return true }
            chars.remove(at: cursor - 1)
            cursor -= 1
        case .delete, .ctrl("d"):
            guard cursor < chars.count else { return true }
            chars.remove(at: cursor)
        case .left, .ctrl("b"): cursor = max(0, cursor - 1)
        case .right, .ctrl("f"): cursor = min(chars.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = chars.count
        case .ctrl("u"):
            chars.removeFirst(cursor)
            cursor = 0
        case .ctrl("w"):
            // Back over spaces, then over the word before them, as readline does.
            var start = cursor
            while start > 0, chars[start - 1] == " " { start -= 1 }
            while start > 0, chars[start - 1] != " " { start -= 1 }
            chars.removeSubrange(start..<cursor)
            cursor = start
        default:
            return false
        }
        text = String(chars)
        return true
    }
}
