import Foundation
import Terminal

/// Drawing the chat pane: two header lines, the transcript, the input line.
extension ChatScreen {
    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
        guard area.height >= 4, area.width >= 10 else { return }
        let exchange = resolve(state)
        exchange?.changed = false
        noticeChanged = false
        let right = area.x + area.width
        guard let exchange else {
            buffer.put("chat: \(problem ?? "…")", x: area.x + 1, y: area.y, style: theme.warning, maxWidth: area.width - 2)
            drawInput(into: &buffer, area: area, theme: theme)
            return
        }
        drawSettings(exchange, into: &buffer, y: area.y, x: area.x + 1, right: right, theme: theme)
        drawStats(exchange, into: &buffer, y: area.y + 1, x: area.x + 1, right: right, theme: theme)

        // The line above the input is kept for notices ("saved …").
        let body = Rect(x: area.x + 1, y: area.y + 3, width: area.width - 2, height: area.height - 5)
        let lines = transcriptLines(exchange, width: body.width, theme: theme, glyphs: glyphs)
        linesFromEnd = min(linesFromEnd, max(0, lines.count - body.height))
        let end = lines.count - linesFromEnd
        let start = max(0, end - body.height)
        for (row, line) in lines[start..<end].enumerated() {
            buffer.put(line.text, x: body.x + line.indent, y: body.y + row, style: line.style, maxWidth: body.width - line.indent)
        }
        if lines.isEmpty {
            buffer.put("Type a message and press Enter. Esc goes back; ? lists the keys.", x: body.x, y: body.y, style: theme.muted)
        }
        drawInput(into: &buffer, area: area, theme: theme)
    }

    /// "local SmolLM2 · temp 0.70 · max 256 · system: You are…"
    private func drawSettings(_ e: ChatExchange, into buffer: inout CellBuffer, y: Int, x start: Int, right: Int, theme: Theme) {
        var x = start
        x += buffer.put(e.backend.label, x: x, y: y, style: theme.headerAccent, maxWidth: right - x)
        for (label, value) in [("temp", String(format: "%.2f", e.settings.temperature)), ("max", "\(e.settings.maxTokens)")] {
            x += buffer.put("  \(label) ", x: x, y: y, style: theme.muted, maxWidth: right - x)
            x += buffer.put(value, x: x, y: y, style: theme.header, maxWidth: right - x)
        }
        x += buffer.put("  system: ", x: x, y: y, style: theme.muted, maxWidth: right - x)
        let system = e.settings.systemPrompt.replacingOccurrences(of: "\n", with: " ")
        buffer.put(system.isEmpty ? "(none)" : DisplayWidth.truncate(system, to: max(0, right - x - 1)), x: x, y: y,
                   style: theme.header, maxWidth: right - x)
    }

    /// "TTFT 0.25 s  12.5 tok/s  8 tokens  KV 3/1024 blocks  generating…"
    private func drawStats(_ e: ChatExchange, into buffer: inout CellBuffer, y: Int, x start: Int, right: Int, theme: Theme) {
        var x = start
        let s = e.stats
        func field(_ label: String, _ value: String) {
            x += buffer.put(label, x: x, y: y, style: theme.muted, maxWidth: right - x)
            x += buffer.put(value + "  ", x: x, y: y, style: theme.header, maxWidth: right - x)
        }
        field("TTFT ", s.ttft.map { String(format: "%.2f s", $0) } ?? "-")
        field("", s.tokensPerSecond.map { String(format: "%.1f tok/s", $0) } ?? "- tok/s")
        field("tokens ", "\(s.completionTokens)")
        switch e.backend.kvSource {
        case .engine:
            field("KV ", e.kvBlocks.map { "\($0.used)/\($0.total) blocks" } ?? "-")
        case .usageOnly:
            // The API says tokens, not blocks: the pod's own KV% is on the workloads screen.
            let held = s.promptTokens.map { "\($0 + s.completionTokens) tokens" } ?? "-"
            field("KV (usage only) ", held)
        }
        let (status, style): (String, Style) = switch e.phase {
        case .idle: (s.finishReason == "abort" ? "cancelled" : (s.finishReason.map { "done (\($0))" } ?? "ready"), theme.muted)
        case let .waiting(detail): (detail ?? "waiting for the first token…", theme.warning)
        case .streaming: ("generating… ctrl-c cancels", theme.ok)
        case .failed: ("error", theme.error)
        }
        x += buffer.put(status, x: x, y: y, style: style, maxWidth: right - x)
        if let route = e.route, x + 4 < right {
            buffer.put("  " + route, x: x, y: y, style: theme.muted, maxWidth: right - x)
        }
    }

    struct Line {
        var text: String
        var indent: Int
        var style: Style
    }

    func transcriptLines(_ e: ChatExchange, width: Int, theme: Theme, glyphs: Glyphs) -> [Line] {
        var lines: [Line] = []
        func add(_ turn: ChatTurn, streaming: Bool) {
            if !lines.isEmpty { lines.append(Line(text: "", indent: 0, style: theme.body)) }
            let user = turn.role == "user"
            lines.append(Line(text: user ? "you" : "assistant", indent: 0, style: user ? theme.headerAccent : theme.ok))
            let text = turn.content + (streaming ? "▌" : "")
            for l in TextWrap.words(text, width: width - 2) { lines.append(Line(text: l, indent: 2, style: theme.body)) }
            if let s = turn.stats {
                lines.append(Line(text: ChatTranscript.summary(s), indent: 2, style: theme.muted))
            }
        }
        for turn in e.turns { add(turn, streaming: false) }
        if let pending = e.pending { add(pending, streaming: true) }
        if case let .failed(message) = e.phase {
            lines.append(Line(text: "", indent: 0, style: theme.body))
            for l in TextWrap.words("error: " + message, width: width) { lines.append(Line(text: l, indent: 0, style: theme.error)) }
        }
        return lines
    }

    /// The input line at the bottom, with the cursor as a reversed cell; long text scrolls left.
    private func drawInput(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        let y = area.y + area.height - 1
        if let notice {
            buffer.put(notice.text, x: area.x + 1, y: y - 1, style: notice.isError ? theme.error : theme.ok, maxWidth: area.width - 2)
        }
        let prompt = mode == .systemPrompt ? "system> " : "> "
        var x = area.x + 1
        x += buffer.put(prompt, x: x, y: y, style: theme.prompt)
        let room = max(1, area.x + area.width - x - 1)
        let chars = Array(input.text)
        let first = max(0, input.cursor - room + 1)
        let shown = String(chars[min(first, chars.count)..<min(chars.count, first + room)])
        buffer.put(shown, x: x, y: y, style: theme.prompt, maxWidth: room)
        let cursorX = x + DisplayWidth.of(String(chars[min(first, chars.count)..<min(input.cursor, chars.count)]))
        let under = input.cursor < chars.count ? String(chars[input.cursor]) : " "
        buffer.put(under, x: cursorX, y: y, style: theme.prompt.adding(.reverse), maxWidth: 2)
    }
}
