import Terminal

/// What a screen asks the console to do after a key.
public enum ScreenAction: Sendable, Equatable {
    case none
    /// Open another screen on top (Enter on a workload opens its pods).
    case push(ScreenID)
    /// Back to the previous screen (Esc).
    case pop
    case quit
    /// Show a message in the footer for a few seconds (k9s's flash).
    case flash(String)
    /// Change the cluster: the confirm dialog shows the exact request first.
    case operate(OperationIntent)
    /// Ask a number (replicas, a canary weight), then change the cluster with it.
    case ask(NumberQuestion)
}

/// Names a screen and what it is about, so that navigation is plain data.
public enum ScreenID: Sendable, Equatable, Hashable {
    case workloads
    /// The pods of one workload, by its `namespace/name` key.
    case pods(workloadKey: String)
    /// Every pod in the namespaces shown.
    case allPods
    /// One pod, by its `namespace/name` key.
    case podDetail(podKey: String)
    case logs(LogTarget)
    case nodes
    /// Events of the namespaces shown, or of one object.
    case events(EventScope)
    /// A workload's revisions (`namespace/name`); nil only before `:history` names one.
    case rolloutHistory(workloadKey: String?)
    /// The canary of a workload or route (`namespace/name`); nil only before `:canary` names one.
    case canary(workloadKey: String?)
    /// Deploying a model; its issue comes later, the navigation knows it already.
    case deploy
    /// The chat pane: the local engine (nil), or a workload (`namespace/name` or a name) through the proxy.
    case chat(workloadKey: String?)
}

/// What a log view follows.
public enum LogTarget: Sendable, Equatable, Hashable {
    /// One pod (`namespace/name`); `previous` shows the last terminated container instead.
    case pod(key: String, previous: Bool)
    /// Every pod of a workload (`namespace/name`), merged by time.
    case workload(key: String)
}

/// Which events an events view shows.
public enum EventScope: Sendable, Equatable, Hashable {
    case all
    /// One object: its kind and `namespace/name` key (cluster-scoped objects have no namespace).
    case object(kind: String, key: String)
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
    /// Every key of the screen for the help view (`?`); the hints unless a screen lists more.
    var keyHelp: [(key: String, action: String)] { get }
    func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs)
    func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction
    /// Called when the screen leaves the stack: stop what it started (log streams).
    func close()
    /// True when the screen has something new to draw that did not come from the stores (log lines).
    var needsRedraw: Bool { get }
    /// Returns when the work the screen started off the main actor has landed (rows built for
    /// a large snapshot): headless tests and benches render, wait for it, and render again.
    func settled() async
}

extension Screen {
    public var keyHelp: [(key: String, action: String)] { hints }
    public func close() {}
    public var needsRedraw: Bool { false }
    public func settled() async {}
}

/// A screen built on one table: the console filters (`/`) and sorts (shift-letters) its rows.
@MainActor
public protocol TableScreen: Screen {
    var table: TableView { get set }
}

/// A screen that takes a `/` filter and is not a table (logs).
@MainActor
public protocol TextFilterable: Screen {
    var filterText: String? { get }
    /// Throws when the filter cannot be used (an invalid regular expression).
    func applyFilter(_ text: String?) throws
}

/// A rectangle of the terminal, in cells.
public struct Rect: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}
