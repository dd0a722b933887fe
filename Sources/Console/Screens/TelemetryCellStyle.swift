import Terminal

extension TelemetryCell {
    /// Live values in the row's style; stale, loading and disabled ones muted (so they do not read as
    /// current); a target that cannot be scraped in the error style.
    func tableCell(_ theme: Theme) -> TableCell {
        switch state {
        case .live, .unknown: return TableCell(text)
        case .stale, .loading, .disabled: return TableCell(text, style: theme.muted)
        case .failing: return TableCell(text, style: theme.error)
        }
    }
}
