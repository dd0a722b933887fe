import Foundation
import Kube
import Terminal

/// The pods of one workload, or every pod shown (`:pods`): the cluster's columns, GPU memory and
/// utilisation from the DCGM exporter, and each pod's own server numbers from telemetry.
@MainActor
public final class PodsScreen: TableScreen, OperatingScreen {
    public let id: ScreenID
    /// nil: every pod in the namespaces shown.
    public let workloadKey: String?
    public var table = TableView(columns: PodsScreen.columns)
    /// The rows' sources and keys, and what they were built from (the table holds the cells).
    private var rows = PodRows()
    /// A snapshot that asks for more than this many rows to be built has them built off the main
    /// actor, the frames meanwhile drawing the rows they have: 10,000 rows take 15–80 ms with the
    /// table's filter, sort and measure (Benchmarks/ConsoleFrame), so 512 take a few ms at most.
    /// Below it (one pod changed, a new second, a small table) the frame builds them.
    public var backgroundBuildAbove = 512
    /// The build running off the main actor, if any; `settled()` waits for it.
    private var building: Task<Void, Never>?
    /// Counts builds started (and `close()`): a build's result is taken only if no build started after it.
    private var generation = 0
    /// A build landed and has not been drawn yet.
    private var landed = false
    private let now: () -> Date
    /// The workload whose pods these are, as last drawn (what `s` and `r` act on).
    private var workload: InferenceWorkload?

    public nonisolated static let columns: [TableColumn] = [
        TableColumn("NAME", flexible: true), TableColumn("NODE", priority: 1), TableColumn("STATUS"),
        TableColumn("RESTARTS", alignment: .right), TableColumn("GPU-MEM", priority: 2, alignment: .right),
        TableColumn("GPU-UTIL", priority: 2, alignment: .right), TableColumn("KV%", priority: 3, alignment: .right),
        TableColumn("RUN", priority: 3, alignment: .right), TableColumn("WAIT", priority: 3, alignment: .right),
        TableColumn("TOK/S", priority: 3, alignment: .right), TableColumn("TTFT-P99", priority: 4, alignment: .right),
        TableColumn("AGE", alignment: .right),
    ]

    public init(workloadKey: String?, now: @escaping () -> Date = Date.init) {
        self.workloadKey = workloadKey
        self.id = workloadKey.map { .pods(workloadKey: $0) } ?? .allPods
        self.now = now
    }

    /// "updating…" while new rows are built off the main actor (the table shows the previous ones).
    public var title: String { "pods(\(workloadKey ?? "all"))" + (building == nil ? "" : " updating…") }
    public var needsRedraw: Bool { landed }
    public var hints: [(key: String, action: String)] {
        workloadKey == nil ? [("enter", "detail"), ("l", "logs"), ("esc", "back"), ("j/k", "move"), ("q", "quit")]
            : [("enter", "detail"), ("l", "logs"), ("s", "scale"), ("r", "restart"), ("esc", "back"), ("j/k", "move"), ("q", "quit")]
    }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        let workload = workloadKey.flatMap { state.workload(key: $0) }
        self.workload = workload
        landed = false
        if let workloadKey, workload == nil {
            buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
            buffer.put("\(workloadKey) no longer exists.", x: area.x + 1, y: area.y + 1, style: theme.warning, maxWidth: area.width - 2)
            return
        }
        refreshRows(state, workload: workload, theme: theme)
        table.setCursor(table.cursor, visibleRows: area.height - 1)
        table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: area.height, headerStyle: theme.tableHeader,
                   rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis, sortStyle: theme.tableSorter)
        if table.rows.isEmpty {
            let message = building != nil ? "Loading pods…" : workload.map { "No pods match \($0.name)'s selector." }
                ?? (state.pods?.state == .synced ? "No pods." : "Loading pods…")
            buffer.put(message, x: area.x + 1, y: area.y + 2, style: theme.muted, maxWidth: area.width - 2)
        }
    }

    /// Brings the rows up to date (`PodRows.refresh`): in the frame when few rows must be built,
    /// otherwise off the main actor, the frame drawing the rows it has. While a build runs the
    /// rows are left as they are; when it lands, the next frame brings them on to the newest
    /// snapshot (a build is not restarted for each newer snapshot: under a rollout's stream of
    /// events none would ever finish).
    private func refreshRows(_ state: ClusterState, workload: InferenceWorkload?, theme: Theme) {
        guard building == nil else { return }
        let now = self.now(), stamp = PodRows.Stamp(state, theme: theme, now: now)
        guard !rows.isCurrent(stamp) else { return }
        var found: [Pod]?
        func pods() -> [Pod] {
            if let found { return found }
            let pods = workload.map { state.pods(of: $0) } ?? (state.pods?.items ?? [])
            found = pods
            return pods
        }
        if rows.rowsToBuild(pods(), stamp: stamp) > backgroundBuildAbove {
            buildInBackground(state, pods: pods(), theme: theme, now: now)
        } else {
            rows.refresh(state, pods: pods, theme: theme, now: now, table: &table)
        }
    }

    /// Refreshes copies of the rows and the table on another thread and hands them back to
    /// `land`, unless another build started or the screen closed meanwhile.
    private func buildInBackground(_ state: ClusterState, pods: [Pod], theme: Theme, now: Date) {
        generation += 1
        let generation = self.generation, rows = self.rows, table = self.table
        building = Task { [weak self] in
            let (rows, table) = await Self.refreshed(rows, table: table, state: state, pods: pods, theme: theme, now: now)
            self?.land(rows, table: table, generation: generation)
        }
    }

    private nonisolated static func refreshed(_ rows: PodRows, table: TableView, state: ClusterState, pods: [Pod],
                                              theme: Theme, now: Date) async -> (PodRows, TableView) {
        await Task.detached(priority: .userInitiated) {
            var rows = rows, table = table
            rows.refresh(state, pods: { pods }, theme: theme, now: now, table: &table)
            return (rows, table)
        }.value
    }

    private func land(_ rows: PodRows, table built: TableView, generation: Int) {
        guard generation == self.generation else { return }
        building = nil
        self.rows = rows
        // The user may have moved the cursor, filtered or sorted meanwhile: those are kept.
        table.adoptRows(of: built)
        landed = true
    }

    /// Returns when no build runs off the main actor (its rows taken): for tests and benches,
    /// which render, wait, and render again.
    public func settled() async {
        while let building { await building.value }
    }

    public func close() {
        generation += 1
        building?.cancel()
        building = nil
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if table.navigate(key, visibleRows: visibleRows) { return .none }
        // The workload's own operations, also when it has no pods (scaling up from 0).
        if let workload {
            if key == .character("s") { return .ask(.replicas(workload.ref, current: workload.desiredReplicas)) }
            if key == .character("r") { return .operate(.restart(workload.ref)) }
        }
        guard let row = table.selectedRow, rows.podKeys.indices.contains(row) else { return key == .escape ? .pop : .none }
        switch key {
        case .enter: return .push(.podDetail(podKey: rows.podKeys[row]))
        case .character("l"): return .push(.logs(.pod(key: rows.podKeys[row], previous: false)))
        case .character("p"): return .push(.logs(.pod(key: rows.podKeys[row], previous: true)))
        case .character("e"): return .push(.events(.object(kind: "Pod", key: rows.podKeys[row])))
        case .escape: return .pop
        default: return .none
        }
    }
}

extension PodsScreen {
    /// The pods of a workload offer the workload's scale and restart.
    public func offeredOperations(state: ClusterState) -> [(key: String, intent: OperationIntent)] {
        guard let workload else { return [] }
        return [("s", .scale(workload.ref, replicas: workload.desiredReplicas)), ("r", .restart(workload.ref))]
    }
}
