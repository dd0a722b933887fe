import Foundation
import Kube
import Terminal

/// Nodes and their GPUs: capacity and allocatable from the device plugin, allocation summed
/// from the GPU requests of the pods bound to each node, the product from GPU Feature
/// Discovery. GPU-MEM and GPU-UTIL per node need DCGM or vLLM metrics: "-" until telemetry
/// fills `metrics`.
@MainActor
public final class NodesScreen: TableScreen {
    public let id = ScreenID.nodes
    public var table = TableView(columns: NodesScreen.columns)
    /// Per-node GPU memory ("used/total GiB") and utilisation, by node name, for telemetry to fill.
    public var metrics: (@MainActor (String) -> (memory: String, utilisation: String)?)?
    private var names: [String] = []
    private let now: () -> Date

    public static let columns: [TableColumn] = [
        TableColumn("NAME", flexible: true), TableColumn("STATUS"), TableColumn("GPU-PRODUCT", priority: 1),
        TableColumn("GPU-CAP", alignment: .right), TableColumn("GPU-ALLOC", alignment: .right),
        TableColumn("GPU-FREE", priority: 1, alignment: .right), TableColumn("MEM/GPU", priority: 2, alignment: .right),
        TableColumn("GPU-MEM", priority: 2, alignment: .right), TableColumn("GPU-UTIL", priority: 2, alignment: .right),
        TableColumn("PODS", priority: 3, alignment: .right), TableColumn("AGE", alignment: .right),
    ]

    public init(now: @escaping () -> Date = Date.init) {
        self.now = now
    }

    public var title: String { "nodes" }
    public var hints: [(key: String, action: String)] { [("e", "events"), ("esc", "back"), ("q", "quit")] }
    public var keyHelp: [(key: String, action: String)] {
        [("e", "events of the node"), ("esc", "back")]
    }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        let nodes = NodeGPUSummary.summaries(state)
        names = nodes.map(\.name)
        table.rowLabels = nodes.map(\.labels)
        table.rows = nodes.map { row($0, theme: theme) }
        table.setCursor(table.cursor, visibleRows: area.height - 1)
        table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: area.height, headerStyle: theme.tableHeader,
                   rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis, sortStyle: theme.tableSorter)
        if nodes.isEmpty {
            let message: String = switch state.nodes?.state {
            case nil, .loading?: "Loading nodes…"
            case let .reconnecting(_, error)?: "Cannot list nodes: \(error)"
            default: "No nodes."
            }
            buffer.put(message, x: area.x + 1, y: area.y + 2, style: theme.muted, maxWidth: area.width - 2)
        }
    }

    private func row(_ n: NodeGPUSummary, theme: Theme) -> [TableCell] {
        let free = n.gpuAllocatable - n.gpuRequested
        let allocStyle: Style? = n.gpuAllocatable == 0 ? nil
            : theme.gauge(percent: Double(n.gpuRequested) / Double(n.gpuAllocatable) * 100, low: 10, high: 100)
        let measured = metrics?(n.name)
        return [
            TableCell(n.name),
            TableCell(n.status, style: n.ready ? (n.unschedulable ? theme.warning : nil) : theme.error),
            TableCell(n.product ?? "-"),
            TableCell("\(n.gpuCapacity)"),
            TableCell("\(n.gpuRequested)/\(n.gpuAllocatable)", style: allocStyle),
            TableCell("\(max(0, free))", style: free < 0 ? theme.error : nil),
            TableCell(n.memoryPerGPUMiB.map { String(format: "%.0fGi", Double($0) / 1024) } ?? "-"),
            TableCell(measured?.memory ?? "-"),
            TableCell(measured?.utilisation ?? "-"),
            TableCell("\(n.podCount)"),
            TableCell(HumanDuration.age(of: n.creationTimestamp, now: now())),
        ]
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if table.navigate(key, visibleRows: visibleRows) { return .none }
        switch key {
        case .character("e"), .enter:
            guard let row = table.selectedRow, names.indices.contains(row) else { return .none }
            return .push(.events(.object(kind: "Node", key: names[row])))
        case .escape: return .pop
        default: return .none
        }
    }
}
