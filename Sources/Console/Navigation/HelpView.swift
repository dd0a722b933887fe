import Terminal

/// The `?` view: every key of the current screen, then the keys every screen shares, the sort
/// keys of its table, and the `:` commands with their aliases.
struct HelpView {
    var screen: any Screen

    @MainActor
    var sections: [(title: String, keys: [(key: String, action: String)])] {
        var result: [(title: String, keys: [(key: String, action: String)])] = [("\(screen.title)", screen.keyHelp)]
        if let tableScreen = screen as? any TableScreen {
            result.append(("Table", [("j / k, down / up", "move"), ("PgDn / ctrl-f, PgUp / ctrl-b", "page"),
                                     ("g / Home, G / End", "first, last")] + SortKeys.help(columns: tableScreen.table.columns)))
        }
        result.append(("General", [(":", "command (Tab completes, Up/Down history, Esc cancels)"), ("-", "the command before the last one"),
                                   ("/", "filter: regex; /!re inverts; /-l app=x label selector"),
                                   ("esc", "clear the filter, else back"), ("?", "this help (esc closes)"), ("q, ctrl-c", "quit")]))
        result.append(("Commands", ConsoleCommandLine.commands.map { c in
            let aliases = c.aliases.isEmpty ? "" : " (" + c.aliases.joined(separator: ", ") + ")"
            return (":" + c.name + aliases, c.summary)
        }))
        return result
    }

    /// One column when it fits, else two when the terminal is wide enough; cut at the bottom.
    @MainActor
    func draw(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
        let sections = self.sections
        let lines = sections.reduce(0) { $0 + $1.keys.count + 2 } + 1
        let columns = lines > area.height && area.width >= 120 ? 2 : 1
        let columnWidth = area.width / columns
        let keyWidth = min(40, sections.flatMap(\.keys).map { DisplayWidth.of($0.key) }.max() ?? 10) + 2
        var column = 0, y = area.y + 1
        for section in sections {
            if y + 2 > area.y + area.height, column + 1 < columns { column += 1; y = area.y + 1 }
            let x = area.x + column * columnWidth
            buffer.put(section.title, x: x + 2, y: y, style: theme.helpSection, maxWidth: columnWidth - 3)
            y += 1
            for (key, action) in section.keys {
                if y >= area.y + area.height {
                    guard column + 1 < columns else { return }
                    column += 1
                    y = area.y + 1
                }
                let kx = area.x + column * columnWidth
                buffer.put(key, x: kx + 4, y: y, style: theme.helpKey, maxWidth: keyWidth - 1)
                buffer.put(action, x: kx + 4 + keyWidth, y: y, style: theme.row, maxWidth: columnWidth - keyWidth - 5)
                y += 1
            }
            y += 1
        }
    }
}
