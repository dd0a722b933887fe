import Foundation
import Kube
import Terminal

/// The pods of one workload, or every pod shown (`:pods`): the cluster's columns, GPU memory and
/// utilisation from the DCGM exporter, and each pod's own server numbers from telemetry.
@MainActor
public final class PodsScreen: TableScreen {
    public let id: ScreenID
    /// nil: every pod in the namespaces shown.
    public let workloadKey: String?
    public var table = TableView(columns: PodsScreen.columns)
    /// `namespace/name` of each row, in the table's source order.
    private var podKeys: [String] = []
    private var rowsBuiltFrom: RowStamp?
    private let now: () -> Date

    public static let columns: [TableColumn] = [
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

    public var title: String { "pods(\(workloadKey ?? "all"))" }
    public var hints: [(key: String, action: String)] {
        [("enter", "detail"), ("l", "logs"), ("esc", "back"), ("j/k", "move"), ("q", "quit")]
    }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        let workload = workloadKey.flatMap { state.workload(key: $0) }
        if let workloadKey, workload == nil {
            buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
            buffer.put("\(workloadKey) no longer exists.", x: area.x + 1, y: area.y + 1, style: theme.warning, maxWidth: area.width - 2)
            return
        }
        // Rows are rebuilt when the stores, the telemetry snapshot or the theme change, and once a
        // second (ages move); frames in between (keys, a log line) reuse them: 10,000 rows take
        // ~40 ms to build.
        let stamp = RowStamp(state, theme: theme, second: Int(now().timeIntervalSince1970))
        if stamp != rowsBuiltFrom {
            let pods = workload.map { state.pods(of: $0) } ?? (state.pods?.items ?? [])
            // One pass for keys and labels, reading in place: a `for pod in` copies every Pod.
            var keys: [String] = [], labels: [[String: String]] = []
            keys.reserveCapacity(pods.count)
            labels.reserveCapacity(pods.count)
            for i in pods.indices {
                keys.append(pods[i].metadata.key)
                labels.append(pods[i].metadata.labels ?? [:])
            }
            podKeys = keys
            table.rowLabels = labels
            table.rows = pods.map { row(for: $0, state: state, theme: theme) }
            rowsBuiltFrom = stamp
        }
        table.setCursor(table.cursor, visibleRows: area.height - 1)
        table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: area.height, headerStyle: theme.tableHeader,
                   rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis, sortStyle: theme.tableSorter)
        if table.rows.isEmpty {
            let message = workload.map { "No pods match \($0.name)'s selector." }
                ?? (state.pods?.state == .synced ? "No pods." : "Loading pods…")
            buffer.put(message, x: area.x + 1, y: area.y + 2, style: theme.muted, maxWidth: area.width - 2)
        }
    }

    /// The telemetry columns, in table order (between RESTARTS and AGE).
    static let metricColumns: [TelemetryColumn] = [.gpuMemory, .gpuUtilization, .kvCache, .running, .waiting, .tokensPerSecond, .ttftP99]

    private func row(for pod: Pod, state: ClusterState, theme: Theme) -> [TableCell] {
        let status = pod.displayStatus
        let statusStyle: Style? = switch status {
        case "Running" where pod.isReady, "Completed": nil
        case "Running", "Pending", "ContainerCreating", "PodInitializing", "Terminating": theme.warning
        default: status.hasPrefix("Init:") ? theme.warning : theme.error
        }
        let metrics = TelemetryCell.row(state.telemetry(of: pod), columns: Self.metricColumns).map { $0.tableCell(theme) }
        return [
            TableCell(pod.metadata.name ?? ""), TableCell(pod.spec?.nodeName ?? "<none>"),
            TableCell(status, style: statusStyle),
            TableCell("\(pod.restarts)", style: pod.restarts > 0 ? theme.warning : nil),
        ] + metrics + [
            TableCell(HumanDuration.age(of: pod.metadata.creationTimestamp, now: now())),
        ]
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if table.navigate(key, visibleRows: visibleRows) { return .none }
        guard let row = table.selectedRow, podKeys.indices.contains(row) else { return key == .escape ? .pop : .none }
        switch key {
        case .enter: return .push(.podDetail(podKey: podKeys[row]))
        case .character("l"): return .push(.logs(.pod(key: podKeys[row], previous: false)))
        case .character("p"): return .push(.logs(.pod(key: podKeys[row], previous: true)))
        case .character("e"): return .push(.events(.object(kind: "Pod", key: podKeys[row])))
        case .escape: return .pop
        default: return .none
        }
    }
}
