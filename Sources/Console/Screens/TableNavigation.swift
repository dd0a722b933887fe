import Terminal

/// The keys every table screen shares, as k9s binds them: arrows and vim keys move, PgUp/PgDn
/// page, g/G and Home/End jump. Returns false for keys it does not own.
extension TableView {
    public mutating func navigate(_ key: Key, visibleRows: Int) -> Bool {
        switch key {
        case .up, .character("k"): moveCursor(by: -1, visibleRows: visibleRows)
        case .down, .character("j"): moveCursor(by: 1, visibleRows: visibleRows)
        case .pageUp, .ctrl("b"): moveCursor(by: -max(1, visibleRows - 1), visibleRows: visibleRows)
        case .pageDown, .ctrl("f"): moveCursor(by: max(1, visibleRows - 1), visibleRows: visibleRows)
        case .home, .character("g"): setCursor(0, visibleRows: visibleRows)
        case .end, .character("G"): setCursor(order.count - 1, visibleRows: visibleRows)
        default: return false
        }
        return true
    }
}
