import Terminal

/// k9s's sort keys: shift plus a letter sorts by a column of that name (pressing it again
/// reverses), `<`/`>` move the sort to the previous/next column. Letters that vim keys use
/// (G) are left out.
public enum SortKeys {
    public static let byLetter: [Character: [String]] = [
        "N": ["NAME"], "A": ["AGE", "LAST SEEN"], "S": ["STATUS"], "P": ["NAMESPACE"], "R": ["READY", "RESTARTS"],
        "T": ["RESTARTS", "TYPE"], "O": ["NODE", "OBJECT"], "M": ["MODEL", "MESSAGE"], "U": ["GPUS", "GPU-ALLOC", "GPU-MEM"],
        "C": ["COUNT", "GPU-CAP"],
    ]

    /// The sort after `key` on a table with these columns; nil when the key is not a sort key.
    public static func apply(_ key: Key, to table: TableView) -> TableSort?? {
        let titles = table.columns.map(\.title)
        switch key {
        case .character("<"), .character(">"):
            let step = key == .character("<") ? -1 : 1
            let current = table.sort?.column ?? (step > 0 ? -1 : titles.count)
            let next = (current + step + titles.count) % titles.count
            return .some(TableSort(column: next, ascending: table.sort?.ascending ?? true))
        case let .character(c) where byLetter[c] != nil:
            guard let column = titles.firstIndex(where: { byLetter[c]!.contains($0) }) else { return .some(table.sort) }
            if let s = table.sort, s.column == column { return .some(TableSort(column: column, ascending: !s.ascending)) }
            // Ascending first: ages and last-seen durations then show the newest first.
            return .some(TableSort(column: column, ascending: true))
        default:
            return nil
        }
    }

    /// For help: the sort keys that apply to these columns.
    public static func help(columns: [TableColumn]) -> [(key: String, action: String)] {
        let titles = columns.map(\.title)
        var lines: [(key: String, action: String)] = []
        for letter in byLetter.keys.sorted() {
            if let title = byLetter[letter]!.first(where: titles.contains) {
                lines.append(("shift-\(letter.lowercased())", "sort by \(title) (again: reverse)"))
            }
        }
        lines.append(("< / >", "sort by the previous / next column"))
        return lines
    }
}
