import Terminal

/// What a screen asks the console to do after a key.
public enum ScreenAction: Sendable, Equatable {
    case none
    /// Open another screen on top (Enter on a workload opens its pods).
    case push(ScreenID)
    /// Back to the previous screen (Esc).
    case pop
    case quit
}

/// Names a screen and what it is about, so that navigation is plain data.
public enum ScreenID: Sendable, Equatable, Hashable {
    case workloads
    /// The pods of one workload, by its `namespace/name` key.
    case pods(workloadKey: String)
    case nodes
    case events
}

/// One view of the console: it renders from the latest snapshot and reacts to keys.
/// Screens never block: data arrives from stores as value snapshots.
@MainActor
public protocol Screen: AnyObject {
    var id: ScreenID { get }
    /// The breadcrumb title, e.g. "workloads(all)" or "pods(fixtures/vllm-qwen)".
    var title: String { get }
    /// Key hints for the footer, most important first.
    var hints: [(key: String, action: String)] { get }
    func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs)
    func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction
}

/// A rectangle of the terminal, in cells.
public struct Rect: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}
