import Foundation
import Kube
import Terminal

/// The pods screen's rows and what they were built from, as a value: brought up to date on the
/// main actor when a frame has little to redo, or off it (`PodsScreen`) when a snapshot changes
/// most of them. Everything it reads is Sendable (the pods, the state, the theme, `now`), so a
/// copy can be refreshed on any thread and handed back.
struct PodRows: Sendable {
    /// What each row (in the table's source order) was built from; `podKeys` are their keys.
    private(set) var sources: [PodRowSource] = []
    /// `namespace/name` of each row, in the table's source order.
    private(set) var podKeys: [String] = []
    /// What the rows were last brought up to date with; nil: build them all.
    private var built: Stamp?

    struct Stamp: Sendable {
        var stores: [String?], theme: Theme, telemetry: Date, second: Int
        init(_ state: ClusterState, theme: Theme, now: Date) {
            stores = RowStamp.stores(state)
            self.theme = theme
            telemetry = state.telemetry.time
            second = Int(now.timeIntervalSince1970)
        }
    }

    /// True when a refresh with this state, theme and time has nothing to do.
    func isCurrent(_ stamp: Stamp) -> Bool {
        guard let built else { return false }
        return built.stores == stamp.stores && built.theme == stamp.theme && built.telemetry == stamp.telemetry
            && built.second == stamp.second
    }

    /// How many rows a refresh to `stamp` would build from scratch: every pod when there are no
    /// rows yet, a new theme, or pods came, went or moved; otherwise the pods whose
    /// resourceVersion moved (or that have none). A new second or telemetry snapshot only
    /// redoes cells, which is counted as nothing here. Reads strings only: ~0.3 ms for 10,000 pods.
    func rowsToBuild(_ pods: [Pod], stamp: Stamp) -> Int {
        guard let built, built.theme == stamp.theme, pods.count == sources.count else { return pods.count }
        guard built.stores != stamp.stores else { return 0 }
        var count = 0
        for i in pods.indices {
            guard pods[i].metadata.uid == sources[i].uid, pods[i].metadata.namespace == sources[i].namespace,
                  pods[i].metadata.name == sources[i].name else { return pods.count }
            if let version = pods[i].metadata.resourceVersion, version == sources[i].resourceVersion { continue }
            count += 1
        }
        return count
    }

    /// Brings the rows up to date, doing only the work that what changed needs: 10,000 rows take
    /// ~40 ms to build, so they are kept between frames and only these are redone —
    /// a new pods snapshot: the rows of pods whose resourceVersion changed (all of them when pods
    /// came or went, or for a workload's pods when its selector may have changed);
    /// a new telemetry snapshot: the metric cells; a new second: the AGE cells whose text moves;
    /// a new theme: everything. The table then filters, sorts and measures only the changed rows.
    /// `pods` is asked for only when the stores changed (a workload's pods are found by selector).
    mutating func refresh(_ state: ClusterState, pods: () -> [Pod], theme: Theme, now: Date, table: inout TableView) {
        let stamp = Stamp(state, theme: theme, now: now)
        guard let built, built.theme == theme else {
            rebuild(pods(), state: state, theme: theme, now: now, table: &table)
            self.built = stamp
            return
        }
        let storesChanged = built.stores != stamp.stores, telemetryChanged = built.telemetry != stamp.telemetry
        let secondChanged = built.second != stamp.second
        guard storesChanged || telemetryChanged || secondChanged else { return }
        self.built = stamp
        var changes: [(index: Int, cells: [TableCell], labels: [String: String]?)] = []
        var rebuilt: [Bool] = []
        if storesChanged {
            // Pods in place of the same pods (the common case: some changed, none came or went):
            // only those whose resourceVersion moved are built again. Otherwise all of them.
            let pods = pods()
            guard pods.count == sources.count else {
                rebuild(pods, state: state, theme: theme, now: now, table: &table)
                return
            }
            // Moved out while they change, so that the array is not copied on the first write.
            var sources = self.sources
            self.sources = []
            let found = Self.changedRows(pods, sources: &sources, rows: table.rows, labels: table.rowLabels, state: state,
                                         theme: theme, now: now)
            self.sources = sources
            guard let found else {
                rebuild(pods, state: state, theme: theme, now: now, table: &table)
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
    private mutating func rebuild(_ pods: [Pod], state: ClusterState, theme: Theme, now: Date, table: inout TableView) {
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
        cells.reserveCapacity(ageColumn + 1)
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
}

/// What a pods row keeps of its pod between frames: who it is and which version, for telemetry
/// its key and whether it is scraped, and its creation time with the ages its AGE text holds for.
struct PodRowSource: Sendable {
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
    enum Kind: Sendable { case measured, bareLoading, bareLive }
    private var bare: [Kind: [TableCell]] = [:]

    mutating func cellsAndKind(_ state: ClusterState, key: String, scraped: Bool, theme: Theme) -> ([TableCell], Kind) {
        let telemetry = state.telemetry(ofPodKey: key, scraped: scraped)
        var kind = Kind.measured
        if telemetry.numbers == nil, telemetry.gpus.isEmpty, telemetry.window == nil, telemetry.snapshot == nil {
            if telemetry.freshness == .loading { kind = .bareLoading } else if telemetry.freshness == .live { kind = .bareLive }
        }
        if kind != .measured, let cells = bare[kind] { return (cells, kind) }
        let cells = TelemetryCell.row(telemetry, columns: PodRows.metricColumns).map { $0.tableCell(theme) }
        if kind != .measured { bare[kind] = cells }
        return (cells, kind)
    }
}
