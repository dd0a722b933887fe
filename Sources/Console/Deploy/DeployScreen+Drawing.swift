import Deploy
import Terminal

/// The deploy screen's steps as text: lists and the form at the top of the area, long text
/// (diff, YAML, requests, rollout) scrolled below a status line.
extension DeployScreen {
    func drawChoose(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        buffer.put("Choose a template (enter):", x: area.x + 2, y: area.y, style: theme.helpSection, maxWidth: area.width - 4)
        let nameWidth = (templateNames.map(\.count).max() ?? 10) + 2
        let rows = max(1, area.height - 3)
        let first = max(0, chosen - rows + 1)
        for (row, index) in (first..<min(templateNames.count, first + rows)).enumerated() {
            let y = area.y + 1 + row
            let style = index == chosen ? theme.cursor : theme.row
            if index == chosen { buffer.fill(x: area.x + 1, y: y, width: area.width - 2, height: 1, style: style) }
            buffer.put(templateNames[index], x: area.x + 2, y: y, style: style, maxWidth: nameWidth)
            buffer.put(templateDescriptions[index], x: area.x + 2 + nameWidth, y: y, style: index == chosen ? style : theme.muted,
                       maxWidth: area.width - nameWidth - 4)
        }
        drawProblem(into: &buffer, area: area, theme: theme)
    }

    func drawForm(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        guard let form else { return }
        buffer.put(form.template.description, x: area.x + 2, y: area.y, style: theme.muted, maxWidth: area.width - 4)
        let nameWidth = min(24, (form.fields.map(\.name.count).max() ?? 10) + 2)
        // Rows for the fields; the last three show the selected field's description and any problem.
        let rows = max(1, area.height - 5)
        let first = max(0, form.selected - rows + 1)
        for (row, index) in (first..<min(form.fields.count, first + rows)).enumerated() {
            let field = form.fields[index]
            let y = area.y + 1 + row
            let selected = index == form.selected
            let style = selected ? theme.cursor : theme.row
            if selected { buffer.fill(x: area.x + 1, y: y, width: area.width - 2, height: 1, style: style) }
            buffer.put(field.name, x: area.x + 2, y: y, style: selected ? style : theme.helpKey, maxWidth: nameWidth)
            let value: String
            if selected, let editing { value = (field.secret ? String(repeating: "*", count: editing.count) : editing) + "▏" } else {
                value = DeployForm.shown(field) + (field.text != field.initial ? "  (changed)" : "")
            }
            buffer.put(value, x: area.x + 2 + nameWidth, y: y, style: style, maxWidth: area.width - nameWidth - 4)
        }
        let summaryY = area.y + area.height - 3
        if form.selected < form.fields.count {
            buffer.put(form.fields[form.selected].summary, x: area.x + 2, y: summaryY, style: theme.muted, maxWidth: area.width - 4)
        }
        drawProblem(into: &buffer, area: area, theme: theme)
    }

    func drawPreview(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        let progress = run.progress
        let status: (String, Style)
        switch progress.stage {
        case .previewing: status = ("asking the server what applying would change (dryRun=All)…", theme.muted)
        case .failed: status = ("the server's dry run failed: \(progress.error ?? "")", theme.error)
        default:
            let summary = progress.changes.map { "\($0.reference) \($0.action.rawValue)" }.joined(separator: ", ")
            status = ("server dry run: \(summary)", theme.ok)
        }
        buffer.put(status.0, x: area.x + 2, y: area.y, style: status.1, maxWidth: area.width - 4)
        let heading = showsYAML ? "rendered YAML (y: the diff)" : "the server's diff against the live objects (y: the YAML)"
        buffer.put(heading, x: area.x + 2, y: area.y + 1, style: theme.helpSection, maxWidth: area.width - 4)
        var lines: [String]
        if showsYAML {
            lines = rendered.map { Self.lines($0.yaml) } ?? []
        } else {
            lines = progress.changes.flatMap { change in
                change.diff.isEmpty ? ["\(change.reference): unchanged"] : Self.lines(change.diff)
            }
            if lines.isEmpty && progress.stage == .previewing { lines = ["…"] }
        }
        drawText(lines, into: &buffer, area: Rect(x: area.x, y: area.y + 2, width: area.width, height: area.height - 2), theme: theme)
    }

    func drawConfirm(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        let requests = run.progress.requests
        let namespace = form?.namespace ?? ""
        buffer.put("Apply \(requests.count) object\(requests.count == 1 ? "" : "s") to namespace \(namespace) with server-side apply (field manager kvdeck)?  y apply · n back",
                   x: area.x + 2, y: area.y, style: theme.warning, maxWidth: area.width - 4)
        var lines: [String] = []
        for request in requests {
            lines.append("\(request.method) \(request.path)")
            lines.append("Content-Type: \(request.contentType)   body (\(request.reference)), sent as JSON:")
            lines += Self.lines(request.body).map { "  " + $0 }
            lines.append("")
        }
        drawText(lines, into: &buffer, area: Rect(x: area.x, y: area.y + 2, width: area.width, height: area.height - 2), theme: theme)
    }

    func drawApply(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        let progress = run.progress
        let status: (String, Style)
        switch progress.stage {
        case .applying: status = ("applying server-side (field manager kvdeck)…", theme.muted)
        case .rollingOut: status = ("applied; following the rollout", theme.muted)
        case .rolledOut: status = ("rolled out", theme.ok)
        case .failed: status = ("failed: \(progress.error ?? "")", theme.error)
        default: status = ("", theme.muted)
        }
        buffer.put(status.0, x: area.x + 2, y: area.y, style: status.1, maxWidth: area.width - 4)
        var lines = progress.applied
        if !progress.rollout.isEmpty { lines.append("") }
        lines += progress.rollout.map { "\($0.reference): \($0.message)" }
        drawText(lines, into: &buffer, area: Rect(x: area.x, y: area.y + 2, width: area.width, height: area.height - 2), theme: theme)
    }

    /// Lines from `scroll` on; a diff's + and - lines in the ok and error colours.
    private func drawText(_ lines: [String], into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        let first = min(scroll, max(0, lines.count - 1))
        for (row, line) in lines.dropFirst(first).prefix(max(0, area.height)).enumerated() {
            let style = line.hasPrefix("+") && !line.hasPrefix("+++") ? theme.ok
                : (line.hasPrefix("-") && !line.hasPrefix("---") ? theme.error : theme.row)
            buffer.put(line, x: area.x + 2, y: area.y + row, style: style, maxWidth: area.width - 4)
        }
        if lines.count > area.height {
            let more = "lines \(first + 1)-\(min(lines.count, first + area.height)) of \(lines.count) (j/k, PgDn/PgUp)"
            buffer.put(more, x: max(area.x + 2, area.x + area.width - more.count - 2), y: area.y - 1, style: theme.muted)
        }
    }

    private func drawProblem(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        guard let problem else { return }
        buffer.put(problem, x: area.x + 2, y: area.y + area.height - 2, style: theme.error, maxWidth: area.width - 4)
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
