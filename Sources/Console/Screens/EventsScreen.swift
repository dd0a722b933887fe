import Foundation
import Kube
import Terminal

/// Events of the namespaces shown, or of one object, newest first: core/v1 and events.k8s.io/v1
/// alike (see `ClusterEvent`). Warnings stand out.
@MainActor
public final class EventsScreen: TableScreen {
    public let id: ScreenID
    public let scope: EventScope
    public var table = TableView(columns: EventsScreen.columns)
    private let now: () -> Date

    public static let columns: [TableColumn] = [
        TableColumn("LAST SEEN", alignment: .right), TableColumn("TYPE"), TableColumn("REASON"),
        TableColumn("OBJECT", priority: 1), TableColumn("SOURCE", priority: 3), TableColumn("COUNT", priority: 2, alignment: .right),
        TableColumn("MESSAGE", flexible: true),
    ]

    public init(scope: EventScope, now: @escaping () -> Date = Date.init) {
        self.scope = scope
        id = .events(scope)
        self.now = now
    }

    public var title: String {
        switch scope {
        case .all: return "events"
        case let .object(kind, key): return "events(\(kind.lowercased())/\(key))"
        }
    }

    public var hints: [(key: String, action: String)] { [("esc", "back"), ("shift-a", "sort by age"), ("q", "quit")] }
    public var keyHelp: [(key: String, action: String)] { [("esc", "back")] }

    public func events(_ state: ClusterState) -> [ClusterEvent] {
        let all = state.clusterEvents
        guard case let .object(kind, key) = scope else { return all }
        return all.filter { $0.concerns(kind: kind, key: key) }
    }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        let events = self.events(state)
        table.rowLabels = []
        table.rows = events.map { e in
            [
                TableCell(e.lastSeen.map { HumanDuration.format(now().timeIntervalSince($0)) } ?? "<unknown>"),
                TableCell(e.type, style: e.isWarning ? theme.warning : nil),
                TableCell(e.reason, style: e.isWarning ? theme.warning : nil),
                TableCell("\(e.objectKind.lowercased())/\(e.objectName)"),
                TableCell(e.source), TableCell("\(e.count)"), TableCell(e.message),
            ]
        }
        table.setCursor(table.cursor, visibleRows: area.height - 1)
        table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: area.height, headerStyle: theme.tableHeader,
                   rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis, sortStyle: theme.tableSorter)
        if events.isEmpty {
            let message: String = switch state.events?.state ?? state.eventsV1?.state {
            case nil, .loading?: "Loading events…"
            case let .reconnecting(_, error)?: "Cannot list events: \(error)"
            default: scope == .all ? "No events (the API server keeps them for an hour)." : "No events for this object."
            }
            buffer.put(message, x: area.x + 1, y: area.y + 2, style: theme.muted, maxWidth: area.width - 2)
        }
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if table.navigate(key, visibleRows: visibleRows) { return .none }
        return key == .escape ? .pop : .none
    }
}
