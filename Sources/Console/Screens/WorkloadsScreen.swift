import Foundation
import Kube
import Operations
import Terminal

/// The first screen: every inference workload in the chosen namespaces, with what the cluster
/// says about it. The server's own numbers (KV%, RUN, WAIT, TOK/S, latencies) come from telemetry,
/// its pods added together; unknown ones show "-" rather than made-up zeros.
@MainActor
public final class WorkloadsScreen: TableScreen, OperatingScreen {
    public let id = ScreenID.workloads
    public var table: TableView
    /// Off by default: only inference servers. `a` shows every Deployment and StatefulSet.
    public private(set) var showAll = false
    private var keys: [String] = []
    /// The workloads of the rows, as last drawn (what the operation keys act on).
    private var shown: [InferenceWorkload] = []
    private let now: () -> Date
    /// The CANARY cells by workload key, kept while the stores the detector reads are unchanged.
    private var canaryCells: (stamp: [String?], inputs: CanaryInputs, cells: [String: String])?

    public static let columns: [TableColumn] = [
        TableColumn("NAMESPACE", priority: 1), TableColumn("NAME", flexible: true), TableColumn("MODEL", priority: 1),
        TableColumn("READY"), TableColumn("GPUS", priority: 2, alignment: .right),
        TableColumn("KV%", priority: 3, alignment: .right), TableColumn("RUN", priority: 3, alignment: .right),
        TableColumn("WAIT", priority: 3, alignment: .right), TableColumn("TOK/S", priority: 3, alignment: .right),
        TableColumn("TTFT-P50", priority: 4, alignment: .right), TableColumn("TTFT-P99", priority: 4, alignment: .right),
        TableColumn("ITL-P50", priority: 4, alignment: .right), TableColumn("E2E-P99", priority: 4, alignment: .right),
        TableColumn("REV", priority: 2), TableColumn("CANARY", priority: 5), TableColumn("AGE", alignment: .right),
    ]

    public init(now: @escaping () -> Date = Date.init) {
        table = TableView(columns: WorkloadsScreen.columns)
        self.now = now
    }

    public var title: String { showAll ? "workloads(all kinds)" : "workloads" }

    public var hints: [(key: String, action: String)] {
        [("enter", "pods"), ("l", "logs"), ("s", "scale"), ("r", "restart"), ("h", "history"), ("n", "canary"), ("c", "chat"),
         ("a", showAll ? "serving only" : "all workloads"), ("j/k", "move"), ("q", "quit")]
    }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        let workloads = state.workloads(servingOnly: !showAll)
        let selectedKey = table.selectedRow.flatMap { keys.indices.contains($0) ? keys[$0] : nil }
        keys = workloads.map(\.key)
        shown = workloads
        table.rowLabels = workloads.map(\.labels)
        table.rows = workloads.map { row(for: $0, state: state, canary: canaryText(of: $0, state), theme: theme) }
        // The cursor follows the selected workload when rows move.
        if let selectedKey, let index = keys.firstIndex(of: selectedKey).flatMap(table.displayIndex(ofRow:)) {
            table.setCursor(index, visibleRows: area.height - 1)
        } else {
            table.setCursor(table.cursor, visibleRows: area.height - 1)
        }
        if workloads.isEmpty {
            buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
            table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: 1, headerStyle: theme.tableHeader,
                       rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis)
            let message = emptyMessage(state)
            buffer.put(message, x: area.x + 1, y: area.y + 2, style: theme.muted, maxWidth: area.width - 2)
            return
        }
        table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: area.height, headerStyle: theme.tableHeader,
                   rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis, sortStyle: theme.tableSorter)
    }

    private func emptyMessage(_ state: ClusterState) -> String {
        switch state.deployments?.state {
        case nil, .loading?: return "Loading workloads…"
        case let .reconnecting(_, error)?: return "Cannot list workloads: \(error)"
        default:
            return showAll ? "No Deployments or StatefulSets here."
                : "No vLLM workloads found (press a to show every Deployment and StatefulSet)."
        }
    }

    /// The telemetry columns, in table order (between GPUS and REV).
    static let metricColumns: [TelemetryColumn] = [.kvCache, .running, .waiting, .tokensPerSecond, .ttftP50, .ttftP99, .itlP50, .e2eP99]

    /// "10% httproute", "1/3 replicas", ... or "-": `CanaryDetection` over the stores' objects.
    private func canaryText(of w: InferenceWorkload, _ state: ClusterState) -> String {
        let stamp = state.canaryStamp
        if canaryCells?.stamp != stamp { canaryCells = (stamp, state.canaryInputs, [:]) }
        if let text = canaryCells?.cells[w.key] { return text }
        let text = canaryCells.flatMap { CanaryDetection.state(of: w.canaryName, namespace: w.namespace, in: $0.inputs)?.summary } ?? "-"
        canaryCells?.cells[w.key] = text
        return text
    }

    private func row(for w: InferenceWorkload, state: ClusterState, canary: String, theme: Theme) -> [TableCell] {
        let readyStyle = w.readyReplicas >= w.desiredReplicas && w.rolloutComplete ? nil
            : (w.readyReplicas == 0 && w.desiredReplicas > 0 ? theme.error : theme.warning)
        let model = w.identity.map { $0.servedName ?? $0.model ?? $0.engine.rawValue } ?? "-"
        let metrics = TelemetryCell.row(state.telemetry(of: w), columns: Self.metricColumns).map { $0.tableCell(theme) }
        return [
            TableCell(w.namespace), TableCell(w.name), TableCell(model),
            TableCell("\(w.readyReplicas)/\(w.desiredReplicas)", style: readyStyle),
            TableCell(w.totalGPUs > 0 ? "\(w.totalGPUs)" : "0"),
        ] + metrics + [
            TableCell(w.revision),
            TableCell(canary),
            TableCell(HumanDuration.age(of: w.creationTimestamp, now: now())),
        ]
    }

    /// The workload under the cursor as drawn: the footer asks about it every frame, so it is
    /// not looked up in the state again.
    private func selectedWorkload(_ state: ClusterState) -> InferenceWorkload? {
        guard let row = table.selectedRow, shown.indices.contains(row) else { return nil }
        return shown[row]
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if table.navigate(key, visibleRows: visibleRows) { return .none }
        switch key {
        case .enter:
            guard let row = table.selectedRow, keys.indices.contains(row) else { return .none }
            return .push(.pods(workloadKey: keys[row]))
        case .character("l"):
            guard let row = table.selectedRow, keys.indices.contains(row) else { return .none }
            return .push(.logs(.workload(key: keys[row])))
        case .character("h"):
            guard let row = table.selectedRow, keys.indices.contains(row) else { return .none }
            return .push(.rolloutHistory(workloadKey: keys[row]))
        case .character("c"):
            guard let row = table.selectedRow, keys.indices.contains(row) else { return .none }
            return .push(.chat(workloadKey: keys[row]))
        case .character("s"):
            // k9s's scale: the count asked first, prefilled with the current one.
            guard let workload = selectedWorkload(state) else { return .none }
            return .ask(.replicas(workload.ref, current: workload.desiredReplicas))
        case .character("r"):
            guard let workload = selectedWorkload(state) else { return .none }
            return .operate(.restart(workload.ref))
        case .character("n"):
            guard let row = table.selectedRow, keys.indices.contains(row) else { return .none }
            return .push(.canary(workloadKey: keys[row]))
        case .character("a"):
            showAll.toggle()
            return .none
        default:
            return .none
        }
    }
}

extension WorkloadsScreen {
    /// Scale and restart the selected workload (RBAC is asked about both before they are offered).
    public func offeredOperations(state: ClusterState) -> [(key: String, intent: OperationIntent)] {
        guard let workload = selectedWorkload(state) else { return [] }
        return [("s", .scale(workload.ref, replicas: workload.desiredReplicas)), ("r", .restart(workload.ref))]
    }
}
