import Terminal

/// The console's one text wrapper, by display columns: chat replies, help, errors and dialogs.
enum TextWrap {
    /// At spaces when a word fits, inside a word when it does not, and at every newline.
    static func words(_ text: String, width: Int) -> [String] {
        let width = max(1, width)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            // Words keep their following spaces attached, so spacing survives the wrap.
            for word in splitWords(String(paragraph)) {
                let w = DisplayWidth.of(word)
                if lineWidth + w <= width {
                    line += word
                    lineWidth += w
                    continue
                }
                let trimmed = word.trimmingTrailingSpaces
                if lineWidth + DisplayWidth.of(trimmed) <= width {
                    lines.append(line + trimmed)
                    line = ""
                    lineWidth = 0
                    continue
                }
                if !line.isEmpty, DisplayWidth.of(trimmed) <= width {
                    lines.append(line.trimmingTrailingSpaces)
                    line = word
                    lineWidth = w
                    continue
                }
                // A word longer than the line: break it by characters.
                for character in word {
                    let cw = DisplayWidth.of(character)
                    if lineWidth + cw > width, !line.isEmpty {
                        lines.append(line.trimmingTrailingSpaces)
                        line = ""
                        lineWidth = 0
                    }
                    if line.isEmpty && character == " " { continue }
                    line.append(character)
                    lineWidth += cw
                }
            }
            lines.append(line.trimmingTrailingSpaces)
        }
        return lines
    }

    /// Cut exactly at `width` columns, no character dropped (request text in a dialog, where
    /// a space may matter).
    static func exact(_ text: String, width: Int) -> [String] {
        guard width > 0, DisplayWidth.of(text) > width else { return [text] }
        var pieces: [String] = []
        var piece = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > width, !piece.isEmpty {
                pieces.append(piece)
                piece = ""
                used = 0
            }
            piece.append(character)
            used += w
        }
        if !piece.isEmpty { pieces.append(piece) }
        return pieces
    }

    private static func splitWords(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inSpaces = false
        for c in text {
            if c == " " {
                inSpaces = true
            } else if inSpaces {
                out.append(current)
                current = ""
                inSpaces = false
            }
            current.append(c)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
