import Terminal

/// A history or canary screen opened without a name: it says how to name one.
@MainActor
public final class PlannedScreen: Screen {
    public let id: ScreenID
    public let title: String
    private let explanation: String

    public init(id: ScreenID) {
        self.id = id
        switch id {
        case let .rolloutHistory(key):
            title = "history" + (key.map { "(\($0))" } ?? "")
            explanation = "Name a workload: :history NAME (Tab completes), or press h on the workloads screen."
        case let .canary(key):
            title = "canary" + (key.map { "(\($0))" } ?? "")
            explanation = "Name a canary: :canary NAME (a workload, an HTTPRoute, a VirtualService, an InferenceService or a Rollout)."
        case .chat:
            title = "chat"
            explanation = "The chat pane on the local engine comes with the engine issues."
        default:
            title = "planned"
            explanation = "This screen is not built yet."
        }
    }

    public var hints: [(key: String, action: String)] { [("esc", "back"), ("q", "quit")] }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
        buffer.put(explanation, x: area.x + 2, y: area.y + 2, style: theme.muted, maxWidth: area.width - 4)
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        key == .escape ? .pop : .none
    }
}
