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
    /// What each row (in the table's source order) was built from; `podKeys` are their keys.
    private var sources: [PodRowSource] = []
    /// `namespace/name` of each row, in the table's source order.
    private var podKeys: [String] = []
    /// What the rows were last brought up to date with; nil: build them all.
    private var built: (stores: [String?], theme: Theme, telemetry: Date, second: Int)?
    private let now: () -> Date
    /// The workload whose pods these are, as last drawn (what `s` and `r` act on).
    private var workload: InferenceWorkload?

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
        workloadKey == nil ? [("enter", "detail"), ("l", "logs"), ("esc", "back"), ("j/k", "move"), ("q", "quit")]
            : [("enter", "detail"), ("l", "logs"), ("s", "scale"), ("r", "restart"), ("esc", "back"), ("j/k", "move"), ("q", "quit")]
    }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        let workload = workloadKey.flatMap { state.workload(key: $0) }
        self.workload = workload
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
            let message = workload.map { "No pods match \($0.name)'s selector." }
                ?? (state.pods?.state == .synced ? "No pods." : "Loading pods…")
            buffer.put(message, x: area.x + 1, y: area.y + 2, style: theme.muted, maxWidth: area.width - 2)
        }
    }

    /// Brings the rows up to date, doing only the work that what changed needs: 10,000 rows take
    /// ~40 ms to build, so they are kept between frames and only these are redone —
    /// a new pods snapshot: the rows of pods whose resourceVersion changed (all of them when pods
    /// came or went, or for a workload's pods when its selector may have changed);
    /// a new telemetry snapshot: the metric cells; a new second: the AGE cells whose text moves;
    /// a new theme: everything. The table then filters, sorts and measures only the changed rows.
    private func refreshRows(_ state: ClusterState, workload: InferenceWorkload?, theme: Theme) {
        let now = self.now()
        let stores = RowStamp.stores(state), second = Int(now.timeIntervalSince1970), telemetryTime = state.telemetry.time
        guard let built, built.theme == theme else {
            rebuildRows(state, workload: workload, theme: theme, now: now)
            self.built = (stores, theme, telemetryTime, second)
            return
        }
        let storesChanged = built.stores != stores, telemetryChanged = built.telemetry != telemetryTime
        let secondChanged = built.second != second
        guard storesChanged || telemetryChanged || secondChanged else { return }
        self.built = (stores, theme, telemetryTime, second)
        var changes: [(index: Int, cells: [TableCell], labels: [String: String]?)] = []
        var rebuilt: [Bool] = []
        if storesChanged {
            // Pods in place of the same pods (the common case: some changed, none came or went):
            // only those whose resourceVersion moved are built again. Otherwise all of them.
            let pods = workload.map { state.pods(of: $0) } ?? (state.pods?.items ?? [])
            guard pods.count == sources.count else {
                rebuildRows(state, workload: workload, theme: theme, now: now)
                return
            }
            // Moved out while they change, so that the array is not copied on the first write.
            var sources = self.sources
            self.sources = []
            let found = Self.changedRows(pods, sources: &sources, rows: table.rows, labels: table.rowLabels, state: state,
                                         theme: theme, now: now)
            self.sources = sources
            guard let found else {
                rebuildRows(state, workload: workload, theme: theme, now: now)
                return
            }
            (changes, rebuilt) = found
            let rows = table.rows, labels = table.rowLabels
            // Most rows changed (a rollout): replacing them all costs less than placing each.
            if changes.count > max(64, pods.count / 8) {
                var newRows = rows, newLabels = labels.count == rows.count ? labels : Array(repeating: [:], count: rows.count)
                for change in changes {
                    newRows[change.index] = change.cells
                    newLabels[change.index] = change.labels ?? [:]
                }
                changes = []
                table.rowLabels = newLabels
                table.rows = newRows
            }
        }
        if telemetryChanged || secondChanged {
            let rows = table.rows
            let metrics = Self.metricRange
            var cache = MetricCellCache()
            for i in sources.indices where rebuilt.isEmpty || !rebuilt[i] {
                var cells: [TableCell]?
                if telemetryChanged {
                    let (fresh, kind) = cache.cellsAndKind(state, key: sources[i].telemetryKey, scraped: sources[i].scraped, theme: theme)
                    // A row with no telemetry before and after keeps its cells (most rows before the first scrape).
                    let same = kind != .measured && kind == sources[i].metrics
                    sources[i].metrics = kind
                    if !same, !rows[i][metrics].elementsEqual(fresh) {
                        cells = rows[i]
                        cells![metrics] = ArraySlice(fresh)
                    }
                }
                if secondChanged, let created = sources[i].created, !sources[i].ageValid.contains(now.timeIntervalSince(created)) {
                    let (age, valid) = PodRowSource.age(created: created, now: now)
                    sources[i].ageValid = valid
                    if rows[i][Self.ageColumn].text != age {
                        if cells == nil { cells = rows[i] }
                        cells![Self.ageColumn] = TableCell(age)
                    }
                }
                if let cells { changes.append((i, cells, nil)) }
            }
        }
        table.updateRows(changes)
    }

    /// The rows of the pods whose resourceVersion moved, where they show something new, and
    /// which rows were built again; nil when the pods are not the same pods in the same places.
    private static func changedRows(_ pods: [Pod], sources: inout [PodRowSource], rows: [[TableCell]],
                                    labels: [[String: String]], state: ClusterState, theme: Theme,
                                    now: Date) -> ([(index: Int, cells: [TableCell], labels: [String: String]?)], [Bool])? {
        var changes: [(index: Int, cells: [TableCell], labels: [String: String]?)] = []
        var rebuilt = Array(repeating: false, count: pods.count)
        var cache = MetricCellCache()
        for i in pods.indices {
            guard pods[i].metadata.uid == sources[i].uid, pods[i].metadata.namespace == sources[i].namespace,
                  pods[i].metadata.name == sources[i].name else { return nil }
            // Without a resourceVersion nothing says the pod is unchanged: build it again.
            if let version = pods[i].metadata.resourceVersion, version == sources[i].resourceVersion { continue }
            sources[i] = PodRowSource(pods[i], sameAs: sources[i])
            let cells = row(for: pods[i], source: &sources[i], state: state, theme: theme, now: now, cache: &cache)
            let podLabels = pods[i].metadata.labels ?? [:]
            rebuilt[i] = true
            // A new version often shows the same row (a condition's probe time, an annotation):
            // the table then has nothing to filter, place or measure again.
            if cells == rows[i], i < labels.count ? labels[i] == podLabels : podLabels.isEmpty { continue }
            changes.append((i, cells, podLabels))
        }
        return (changes, rebuilt)
    }

    /// Builds every row from the pods.
    private func rebuildRows(_ state: ClusterState, workload: InferenceWorkload?, theme: Theme, now: Date) {
        let pods = workload.map { state.pods(of: $0) } ?? (state.pods?.items ?? [])
        // One pass, reading the pods in place: a `for pod in` or a `map` copies every Pod.
        var keys: [String] = [], labels: [[String: String]] = [], rows: [[TableCell]] = [], sources: [PodRowSource] = []
        keys.reserveCapacity(pods.count)
        labels.reserveCapacity(pods.count)
        rows.reserveCapacity(pods.count)
        sources.reserveCapacity(pods.count)
        var cache = MetricCellCache()
        for i in pods.indices {
            var source = PodRowSource(pods[i])
            keys.append(pods[i].metadata.key)
            labels.append(pods[i].metadata.labels ?? [:])
            rows.append(Self.row(for: pods[i], source: &source, state: state, theme: theme, now: now, cache: &cache))
            sources.append(source)
        }
        podKeys = keys
        self.sources = sources
        table.rowLabels = labels
        table.rows = rows
    }

    /// The telemetry columns, in table order (between RESTARTS and AGE).
    static let metricColumns: [TelemetryColumn] = [.gpuMemory, .gpuUtilization, .kvCache, .running, .waiting, .tokensPerSecond, .ttftP99]
    static let metricRange = 4..<(4 + metricColumns.count)
    static let ageColumn = 4 + metricColumns.count

    /// A pod's cells; sets the ages for which `source` may keep the AGE text.
    private static func row(for pod: Pod, source: inout PodRowSource, state: ClusterState, theme: Theme, now: Date,
                            cache: inout MetricCellCache) -> [TableCell] {
        // STATUS and RESTARTS come from one pass of kubectl's rules.
        let kubectl = pod.kubectlStatus
        let status = kubectl.reason, restarts = kubectl.restarts
        let statusStyle: Style? = switch status {
        case "Running" where pod.isReady, "Completed": nil
        case "Running", "Pending", "ContainerCreating", "PodInitializing", "Terminating": theme.warning
        default: status.hasPrefix("Init:") ? theme.warning : theme.error
        }
        var cells: [TableCell] = []
        cells.reserveCapacity(Self.columns.count)
        cells.append(TableCell(pod.metadata.name ?? ""))
        cells.append(TableCell(pod.spec?.nodeName ?? "<none>"))
        cells.append(TableCell(status, style: statusStyle))
        cells.append(TableCell("\(restarts)", style: restarts > 0 ? theme.warning : nil))
        let (metrics, kind) = cache.cellsAndKind(state, key: source.telemetryKey, scraped: source.scraped, theme: theme)
        source.metrics = kind
        cells += metrics
        if let created = source.created {
            let (age, valid) = PodRowSource.age(created: created, now: now)
            source.ageValid = valid
            cells.append(TableCell(age))
        } else {
            cells.append(TableCell("<unknown>"))  // as HumanDuration.age without a timestamp
        }
        return cells
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if table.navigate(key, visibleRows: visibleRows) { return .none }
        // The workload's own operations, also when it has no pods (scaling up from 0).
        if let workload {
            if key == .character("s") { return .ask(.replicas(workload.ref, current: workload.desiredReplicas)) }
            if key == .character("r") { return .operate(.restart(workload.ref)) }
        }
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

extension PodsScreen {
    /// The pods of a workload offer the workload's scale and restart.
    public func offeredOperations(state: ClusterState) -> [(key: String, intent: OperationIntent)] {
        guard let workload else { return [] }
        return [("s", .scale(workload.ref, replicas: workload.desiredReplicas)), ("r", .restart(workload.ref))]
    }
}

/// What a pods row keeps of its pod between frames: who it is and which version, for telemetry
/// its key and whether it is scraped, and its creation time with the ages its AGE text holds for.
struct PodRowSource {
    var uid: String?, namespace: String?, name: String?, resourceVersion: String?
    /// `ClusterState.key(of:)`: how telemetry knows the pod.
    var telemetryKey: String
    var scraped: Bool
    var created: Date?
    /// The ages (`now - created`, seconds) for which the AGE text stays what it is.
    var ageValid: Range<Double> = 0..<0
    /// What the metric cells were built from.
    var metrics: MetricCellCache.Kind = .measured

    init(_ pod: Pod) {
        uid = pod.metadata.uid
        namespace = pod.metadata.namespace
        name = pod.metadata.name
        resourceVersion = pod.metadata.resourceVersion
        telemetryKey = ClusterState.key(of: pod)
        scraped = ClusterState.isScraped(pod)
        created = pod.metadata.creationTimestamp.flatMap(KubeTime.date(from:))
    }

    /// A new version of the pod `old` was built from (same uid, namespace and name): the key
    /// and the creation time cannot have changed, so they are kept rather than worked out again.
    init(_ pod: Pod, sameAs old: PodRowSource) {
        self = old
        resourceVersion = pod.metadata.resourceVersion
        scraped = ClusterState.isScraped(pod)
    }

    /// The AGE text (`HumanDuration.format`) and the ages it holds for: the format counts whole
    /// seconds below 10 minutes, whole minutes below 8 hours, whole hours below 8 days, then whole
    /// days, and each of its thresholds is a whole number of the units on both sides of it.
    static func age(created: Date, now: Date) -> (String, Range<Double>) {
        let interval = now.timeIntervalSince(created)
        let text = HumanDuration.format(interval)
        guard interval >= 0, interval < 1e15 else { return (text, 0..<0) }
        let seconds = Int(interval)
        let unit = seconds < 600 ? 1 : seconds < 8 * 3600 ? 60 : seconds < 8 * 86_400 ? 3600 : 86_400
        let start = seconds - seconds % unit
        return (text, Double(start)..<Double(start + unit))
    }
}

/// Metric cells of one frame's rows: rows without any telemetry (no target, no GPUs: most pods
/// before their first scrape, and every pod that is not running) share theirs.
struct MetricCellCache {
    /// A row's telemetry: numbers or GPUs (`measured`), or nothing yet, loading or live.
    enum Kind { case measured, bareLoading, bareLive }
    private var bare: [Kind: [TableCell]] = [:]

    @MainActor
    mutating func cellsAndKind(_ state: ClusterState, key: String, scraped: Bool, theme: Theme) -> ([TableCell], Kind) {
        let telemetry = state.telemetry(ofPodKey: key, scraped: scraped)
        var kind = Kind.measured
        if telemetry.numbers == nil, telemetry.gpus.isEmpty, telemetry.window == nil, telemetry.snapshot == nil {
            if telemetry.freshness == .loading { kind = .bareLoading } else if telemetry.freshness == .live { kind = .bareLive }
        }
        if kind != .measured, let cells = bare[kind] { return (cells, kind) }
        let cells = TelemetryCell.row(telemetry, columns: PodsScreen.metricColumns).map { $0.tableCell(theme) }
        if kind != .measured { bare[kind] = cells }
        return (cells, kind)
    }
}
