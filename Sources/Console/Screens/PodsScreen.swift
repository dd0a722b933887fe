import Foundation
import Kube
import Terminal

/// The pods of one workload: the cluster's columns, GPU memory and utilisation from the DCGM
/// exporter, and each pod's own server numbers from telemetry.
@MainActor
public final class PodsScreen: Screen {
    public let id: ScreenID
    public let workloadKey: String
    public private(set) var table = TableView(columns: PodsScreen.columns)
    private var names: [String] = []
    private let now: () -> Date

    public static let columns: [TableColumn] = [
        TableColumn("NAME", flexible: true), TableColumn("NODE", priority: 1), TableColumn("STATUS"),
        TableColumn("RESTARTS", alignment: .right), TableColumn("GPU-MEM", priority: 2, alignment: .right),
        TableColumn("GPU-UTIL", priority: 2, alignment: .right), TableColumn("KV%", priority: 3, alignment: .right),
        TableColumn("RUN", priority: 3, alignment: .right), TableColumn("WAIT", priority: 3, alignment: .right),
        TableColumn("TOK/S", priority: 3, alignment: .right), TableColumn("TTFT-P99", priority: 4, alignment: .right),
        TableColumn("AGE", alignment: .right),
    ]

    public init(workloadKey: String, now: @escaping () -> Date = Date.init) {
        self.workloadKey = workloadKey
        self.id = .pods(workloadKey: workloadKey)
        self.now = now
    }

    public var title: String { "pods(\(workloadKey))" }
    public var hints: [(key: String, action: String)] { [("esc", "back"), ("j/k", "move"), ("q", "quit")] }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        guard let workload = state.workload(key: workloadKey) else {
            buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
            buffer.put("\(workloadKey) no longer exists.", x: area.x + 1, y: area.y + 1, style: theme.warning, maxWidth: area.width - 2)
            return
        }
        let pods = state.pods(of: workload)
        names = pods.map { $0.metadata.name ?? "" }
        table.rows = pods.map { row(for: $0, state: state, theme: theme) }
        table.setCursor(table.cursor, visibleRows: area.height - 1)
        table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: area.height, headerStyle: theme.tableHeader,
                   rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis)
        if pods.isEmpty {
            buffer.put("No pods match \(workload.name)'s selector.", x: area.x + 1, y: area.y + 2, style: theme.muted, maxWidth: area.width - 2)
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
        if key == .escape { return .pop }
        return .none
    }
}
