import Foundation
import Kube
import Terminal

/// Drawing a frame: status line, crumbs with the sort and filter, the top screen (or help, or
/// the problem), and the footer (prompt, flash or key hints).
extension ConsoleSession {
    public func render(_ state: ClusterState, width: Int, height: Int, theme: Theme, glyphs: Glyphs) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        buffer.fill(x: 0, y: 0, width: width, height: height, style: theme.body)
        StatusLine(connection: connection, readOnly: isReadOnly, version: version, now: now()).draw(state, into: &buffer, width: width, theme: theme)
        let area = Rect(x: 0, y: 3, width: width, height: max(0, height - 4))
        if showHelp {
            // The page count depends on the size drawn at; the keys that turn pages read it.
            helpPageCount = HelpView(screen: top, page: helpPage).draw(into: &buffer, area: area, theme: theme)
            helpPage = min(helpPage, helpPageCount - 1)
        } else if let problem {
            drawProblem(problem, into: &buffer, area: area, theme: theme)
        } else {
            top.render(state, into: &buffer, area: area, theme: theme, glyphs: glyphs)
            // The operation dialog stays over the screen, which keeps updating beneath it.
            dialog?.draw(into: &buffer, area: area, theme: theme, glyphs: glyphs)
        }
        // After the screen drew: its table's rows (and so the counts) are current.
        if problem == nil { drawCrumbs(into: &buffer, width: width, theme: theme, glyphs: glyphs) }
        drawFooter(state, into: &buffer, y: height - 1, width: width, theme: theme)
        return buffer
    }

    /// Row 2: the screens on the stack, then the active filter and sort of the top one.
    func drawCrumbs(into buffer: inout CellBuffer, width: Int, theme: Theme, glyphs: Glyphs) {
        var x = 1
        for (i, screen) in stack.enumerated() where x < width - 1 {
            if i > 0 { x += buffer.put(">", x: x, y: 2, style: theme.muted) + 1 }
            x += buffer.put(" \(screen.title) ", x: x, y: 2, style: i == stack.count - 1 ? theme.crumbActive : theme.crumb,
                            maxWidth: width - x - 1) + 1
        }
        var filterText: String?
        if let t = top as? any TableScreen {
            filterText = t.table.filter?.text
            if let sort = t.table.sort, sort.column < t.table.columns.count {
                let arrow = sort.ascending ? (glyphs == .unicode ? "↑" : "^") : (glyphs == .unicode ? "↓" : "v")
                x += buffer.put(" sort: \(t.table.columns[sort.column].title)\(arrow)", x: x, y: 2, style: theme.tableSorter, maxWidth: width - x - 1)
            }
            if !showHelp {
                x += buffer.put("  [\(t.table.order.count)/\(t.table.rows.count)]", x: x, y: 2, style: theme.muted, maxWidth: width - x - 1)
            }
        } else if let f = top as? any TextFilterable {
            filterText = f.filterText
        }
        if let filterText {
            buffer.put("  filter: /\(filterText)", x: x, y: 2, style: theme.filter, maxWidth: width - x - 1)
        }
    }

    func drawFooter(_ state: ClusterState, into buffer: inout CellBuffer, y: Int, width: Int, theme: Theme) {
        if let prompt {
            prompt.draw(into: &buffer, y: y, width: width, theme: theme, suggestion: suggestion(state: state))
            return
        }
        if let flash, flash.until > now() || flash.isError {
            buffer.put(flash.text, x: 1, y: y, style: flash.isError ? theme.error : theme.ok, maxWidth: width - 2)
            return
        }
        var x = 1
        let hints = (problem == nil && !showHelp ? footerHints(state: state) : [])
            + [(":", "command", true), ("/", "filter", true), ("?", "help", true)]
        for (key, action, enabled) in hints where x < width - 1 {
            // A greyed key is one that would be refused (read-only, RBAC), with why.
            x += buffer.put("<\(key)>", x: x, y: y, style: enabled ? theme.footerKey : theme.muted)
            x += buffer.put(" \(action)  ", x: x, y: y, style: enabled ? theme.footer : theme.muted)
        }
    }

    func drawProblem(_ problem: String, into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        var y = area.y + 1
        buffer.put("No cluster to show", x: 2, y: y, style: theme.error.adding(.bold))
        y += 2
        for line in TextWrap.words(problem, width: max(10, area.width - 4)) where y < area.y + area.height {
            buffer.put(line, x: 2, y: y, style: theme.row)
            y += 1
        }
        y += 1
        let advice = [
            "kvdeck reads --kubeconfig, else the files in KUBECONFIG, else ~/.kube/config,",
            "and uses --context or the kubeconfig's current-context.",
            "`kvdeck demo` starts an embedded local cluster with the console on it.",
            "Press q to quit.",
        ]
        for line in advice where y < area.y + area.height {
            buffer.put(line, x: 2, y: y, style: theme.muted, maxWidth: area.width - 4)
            y += 1
        }
    }
}
