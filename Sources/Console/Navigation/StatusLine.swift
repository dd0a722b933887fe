import Foundation
import Kube
import Terminal

/// The two lines at the top: where the console is connected (context, cluster, user,
/// namespace, read-only) and how fresh its data is (one overall state, how long ago a store last
/// delivered a change, then each store's state). "changed", not "updated": a live watch on a
/// quiet cluster delivers nothing for minutes, and its data is current all the while.
struct StatusLine {
    var connection: ConnectionSummary?
    var readOnly: Bool
    var version: String
    var now: Date

    func draw(_ state: ClusterState, into buffer: inout CellBuffer, width: Int, theme: Theme) {
        var x = buffer.put("kvdeck \(version)", x: 1, y: 0, style: theme.headerAccent) + 3
        guard let c = connection else { return }
        let fields: [(String, String)] = [("ctx", c.context), ("cluster", c.cluster), ("user", c.user), ("ns", c.namespace ?? "all")]
        for (label, value) in fields where x < width - 1 {
            x += buffer.put("\(label): ", x: x, y: 0, style: theme.headerLabel)
            x += buffer.put(value, x: x, y: 0, style: theme.header, maxWidth: width - x - 1) + 2
        }
        if readOnly { buffer.put("[read-only]", x: x, y: 0, style: theme.warning, maxWidth: width - x - 1) }

        let (overall, overallStyle) = summary(state, theme: theme)
        var sx = 1
        sx += buffer.put(overall, x: sx, y: 1, style: overallStyle)
        if let last = state.lastSync {
            sx += buffer.put(" · changed \(HumanDuration.format(now.timeIntervalSince(last))) ago", x: sx, y: 1, style: theme.muted)
        }
        sx += 3
        for (name, informerState, loaded) in state.freshness where sx < width - 1 {
            let (text, style) = describe(informerState, loaded: loaded, theme: theme)
            sx += buffer.put("\(name): ", x: sx, y: 1, style: theme.muted)
            sx += buffer.put(text, x: sx, y: 1, style: style, maxWidth: width - sx - 1) + 2
        }
        if let warning = c.warnings.first, sx < width - 1 {
            buffer.put("! \(warning)", x: sx, y: 1, style: theme.warning, maxWidth: width - sx - 1)
        }
    }

    /// One word for the connection: the worst state of the workload stores (deployments,
    /// statefulsets, pods). Nodes and events are listed beside it but left out of it: a user
    /// allowed one namespace cannot list nodes, and that is no outage.
    func summary(_ state: ClusterState, theme: Theme) -> (String, Style) {
        let states = state.freshness.prefix(3).map(\.state)
        if states.contains(where: { if case .reconnecting? = $0 { return true }; return false }) { return ("RECONNECTING", theme.error) }
        if states.contains(where: { if case .stale? = $0 { return true }; return false }) { return ("STALE", theme.warning) }
        if states.contains(where: { $0 == nil }) { return ("CONNECTING", theme.warning) }
        if states.contains(where: { $0 == .loading }) { return ("LOADING", theme.warning) }
        return ("LIVE", theme.ok)
    }

    func describe(_ state: InformerState?, loaded: Int?, theme: Theme) -> (String, Style) {
        switch state {
        case nil: return ("starting", theme.muted)
        case .loading?: return (loaded.map { "loading \($0)" } ?? "loading", theme.warning)
        case .synced?: return ("live", theme.ok)
        case .stale?: return ("stale", theme.warning)
        case let .reconnecting(attempt, _)?: return ("reconnecting (\(attempt))", theme.error)
        }
    }
}
