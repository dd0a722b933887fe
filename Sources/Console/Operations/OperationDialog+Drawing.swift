import Operations
import Terminal

/// Drawing the dialog: a bordered box in the middle of the screen area, its body wrapped (request
/// bodies are one long line of JSON) and scrolled, its keys on the last line.
extension OperationDialog {
    /// One line of the body and how it is drawn.
    struct Line {
        var text: String
        var style: Style
        /// Request text: cut exactly at the box's width, so no character (a space in a JSON
        /// string) is lost at a break. Prose breaks at spaces.
        var exact = false
    }

    public var title: String {
        switch stage {
        case let .input(question, _, _): return question.title
        case let .preparing(intent): return "\(intent.verb) \(intent.target)"
        case let .confirm(confirmation): return "\(confirmation.prepared.verb) \(confirmation.prepared.target)"
        }
    }

    /// The body, unwrapped.
    func lines(theme: Theme) -> [Line] {
        switch stage {
        case let .input(question, editor, problem):
            var lines = [Line(text: "", style: theme.body),
                         Line(text: "\(question.label): \(editor.text)", style: theme.prompt),
                         Line(text: "(\(question.range.lowerBound)-\(question.range.upperBound); now \(question.prefill))", style: theme.muted)]
            if let problem { lines.append(Line(text: problem, style: theme.error)) }
            return lines
        case .preparing:
            return [Line(text: "", style: theme.body), Line(text: "Working out the request (reading the cluster)…", style: theme.muted)]
        case let .confirm(confirmation):
            return confirmationLines(confirmation, theme: theme)
        }
    }

    func confirmationLines(_ c: Confirmation, theme: Theme) -> [Line] {
        var lines: [Line] = []
        let requests = c.prepared.requests
        if requests.isEmpty {
            lines.append(Line(text: "Nothing to send: \(c.prepared.noOpMessage ?? "unchanged")", style: theme.ok))
        } else {
            lines.append(Line(text: requests.count == 1 ? "Will send:" : "Will send \(requests.count) requests, in this order:",
                              style: theme.helpSection))
            for (index, request) in requests.enumerated() {
                lines.append(Line(text: "", style: theme.body))
                if requests.count > 1 { lines.append(Line(text: "[\(index + 1)/\(requests.count)]", style: theme.muted)) }
                for (n, text) in request.displayText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    lines.append(Line(text: String(text), style: n == 0 ? theme.row.adding(.bold) : theme.row, exact: true))
                }
            }
        }
        if !c.prepared.warnings.isEmpty { lines.append(Line(text: "", style: theme.body)) }
        for warning in c.prepared.warnings { lines.append(Line(text: "Warning: \(warning)", style: theme.warning)) }
        lines.append(Line(text: "", style: theme.body))
        switch c.access.verdict {
        case .allowed: lines.append(Line(text: "RBAC: allowed (SelfSubjectAccessReview)", style: theme.ok))
        case .denied: lines.append(Line(text: "RBAC: denied: \(Self.deniedReason(c.access))", style: theme.error))
        case .unknown: lines.append(Line(text: "RBAC: not known: \(c.access.reason ?? "no answer")", style: theme.muted))
        }
        switch c.dryRun {
        case .notRun: break
        case .running: lines.append(Line(text: "Dry run: asking the server (dryRun=All)…", style: theme.muted))
        case let .answered(summary):
            lines.append(Line(text: "Dry run (dryRun=All), nothing stored:", style: theme.helpSection))
            lines += summary.map { Line(text: $0, style: theme.row) }
        case let .failed(error):
            lines.append(Line(text: "Dry run refused: \(error)", style: theme.error))
        }
        return lines
    }

    /// The keys line at the bottom of the box.
    func keys(theme: Theme) -> [(key: String, action: String, enabled: Bool)] {
        switch stage {
        case .input: return [("enter", "next", true), ("esc", "cancel", true)]
        case .preparing: return [("esc", "cancel", true)]
        case let .confirm(c):
            if c.sending { return [("", "sending…", false)] }
            return [("y", c.access.isDenied ? "send (denied)" : "send", !c.access.isDenied), ("n/esc", "cancel", true),
                    ("d", "dry run", !c.prepared.requests.isEmpty && c.dryRun != .running), ("j/k", "scroll", true)]
        }
    }

    public func draw(into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        let bodyLines = lines(theme: theme)
        let longest = bodyLines.map { DisplayWidth.of($0.text) }.max() ?? 0
        let width = max(20, min(area.width - 2, max(64, min(110, longest + 4), DisplayWidth.of(title) + 8)))
        let inner = width - 4
        let wrapped = bodyLines.flatMap { line in
            (line.exact ? TextWrap.exact(line.text, width: inner) : TextWrap.words(line.text, width: inner)).map { Line(text: $0, style: line.style) }
        }
        let height = max(5, min(area.height - 1, wrapped.count + 4))
        let x = area.x + max(0, (area.width - width) / 2)
        let y = area.y + max(0, (area.height - height) / 2)
        let frame = theme.helpKey
        buffer.fill(x: x, y: y, width: width, height: height, style: theme.body)
        // The border, with the title in the top edge.
        buffer.put(glyphs.topLeft + String(repeating: glyphs.horizontal, count: width - 2) + glyphs.topRight, x: x, y: y, style: frame)
        buffer.put(" \(title) ", x: x + 2, y: y, style: theme.helpSection, maxWidth: width - 4)
        for row in (y + 1)..<(y + height - 1) {
            buffer.put(glyphs.vertical, x: x, y: row, style: frame)
            buffer.put(glyphs.vertical, x: x + width - 1, y: row, style: frame)
        }
        buffer.put(glyphs.bottomLeft + String(repeating: glyphs.horizontal, count: width - 2) + glyphs.bottomRight,
                   x: x, y: y + height - 1, style: frame)
        // The body, scrolled; the keys on the last inner row.
        let rows = height - 3
        let first = min(scroll, max(0, wrapped.count - rows))
        for (i, line) in wrapped.dropFirst(first).prefix(rows).enumerated() {
            buffer.put(line.text, x: x + 2, y: y + 1 + i, style: line.style, maxWidth: inner)
        }
        if wrapped.count > rows {
            buffer.put(" \(first + 1)-\(min(wrapped.count, first + rows))/\(wrapped.count) ", x: x + width - 14, y: y + height - 1,
                       style: theme.muted, maxWidth: 12)
        }
        var kx = x + 2
        for (key, action, enabled) in keys(theme: theme) where kx < x + width - 2 {
            if !key.isEmpty { kx += buffer.put("<\(key)>", x: kx, y: y + height - 2, style: enabled ? theme.footerKey : theme.muted) }
            kx += buffer.put(" \(action)  ", x: kx, y: y + height - 2, style: enabled ? theme.footer : theme.muted,
                             maxWidth: x + width - 2 - kx)
        }
        if case let .input(question, editor, _) = stage {
            // The cursor: the cell under it in reverse video, as in the command bar.
            let cursorX = x + 2 + DisplayWidth.of("\(question.label): ") + DisplayWidth.of(String(editor.text.prefix(editor.cursor)))
            buffer.restyle(x: cursorX, y: y + 2, width: 1) { $0.attributes.insert(.reverse) }
        }
    }
}
