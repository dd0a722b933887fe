import Foundation
import Kube
import Operations
import Telemetry
import Terminal

/// A canary's two tracks side by side: the split (weights or replicas) and where it lives, each
/// track's ready pods and its servers' latency and throughput from telemetry; keys step the
/// weight, set it, promote and abort, each through the confirm dialog. The state comes from the
/// console's stores while they hold everything the canary depends on
/// (`ClusterState.liveCanaryInputs`), so it follows the watches with no request of its own;
/// otherwise (a namespace the stores do not watch, a kind the user may not list, a list still
/// loading) from `CanaryOperations.status`, fetched again every few seconds and after each change.
@MainActor
public final class CanaryScreen: LoadingScreen, OperatingScreen, KeyCapturingScreen {
    public let id: ScreenID
    public let name: String
    public let namespace: String
    public private(set) var view: CanaryView?
    public private(set) var loadError: String?
    private var loadingSince: Date?
    private var loadedAt: Date?
    private var stale = true
    /// The view the stores give, by the stamp of the stores it came from (nil: they cannot tell).
    private var live: (stamp: [String?], view: CanaryView?)?
    /// Whether `view` comes from the stores, and since when it has been what it is.
    public private(set) var isLive = false
    private var liveSince: Date?
    private let now: () -> Date
    /// How often the state is fetched again while the screen is shown.
    public var refreshInterval: TimeInterval = 5
    /// Percentage points per `+`/`-`.
    public static let step = 10

    /// - Parameter key: `namespace/name` of a workload, route, InferenceService or Rollout.
    public init(key: String, now: @escaping () -> Date = Date.init) {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        namespace = parts.count == 2 ? parts[0] : "default"
        name = parts.count == 2 ? parts[1] : key
        id = .canary(workloadKey: key)
        self.now = now
    }

    public var title: String { "canary(\(namespace)/\(name))" }

    public var hints: [(key: String, action: String)] {
        [("+/-", "step \(Self.step)"), ("w", "set weight"), ("p", "promote"), ("a", "abort"), ("esc", "back")]
    }

    public var keyHelp: [(key: String, action: String)] {
        [("+ (or =)", "step the canary up \(Self.step) points (confirm shows the request)"),
         ("-", "step the canary down \(Self.step) points (here - is not the previous command)"),
         ("w", "set the canary weight: type the percent, then confirm"),
         ("p", "promote: the canary becomes the stable track"),
         ("a", "abort: all traffic back to the stable track"),
         ("esc", "back")]
    }

    /// `-` steps down here, rather than repeating the previous command.
    public func capturesKey(_ key: Key) -> Bool { key == .character("-") }

    // MARK: Loading

    /// The canary as the stores show it, when they hold all it depends on.
    func liveView(_ state: ClusterState) -> CanaryView? {
        let stamp = state.canaryStamp
        if live?.stamp != stamp {
            let view = state.liveCanaryInputs(namespace: namespace)
                .flatMap { CanaryDetection.state(of: name, namespace: namespace, in: $0) }
                .map { CanaryView(state: $0, tracks: CanaryTrackSelectors.tracks($0, in: state)) }
            live = (stamp, view)
        }
        return live?.view
    }

    public func dataRequests(state: ClusterState, now: Date) -> [OperationRequest] {
        if let current = liveView(state) {
            if !isLive || view != current { liveSince = now }
            view = current
            loadError = nil
            isLive = true
            return []
        }
        isLive = false
        if let since = loadingSince, now.timeIntervalSince(since) < 30 { return [] }
        let due = stale || loadedAt.map { now.timeIntervalSince($0) >= refreshInterval } ?? true
        guard due else { return [] }
        loadingSince = now
        stale = false
        return [.loadCanary(name: name, namespace: namespace)]
    }

    public func receive(_ event: OperationEvent, now: Date) {
        guard case let .canary(name, namespace, loaded) = event, name == self.name, namespace == self.namespace else { return }
        loadingSince = nil
        guard !isLive else { return }  // the stores took over while it was in flight
        loadedAt = now
        switch loaded {
        case let .value(view):
            self.view = view
            loadError = nil
        case let .failed(text):
            loadError = text
        }
    }

    public func invalidate() { stale = true }

    // MARK: Keys

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if key == .escape { return .pop }
        guard let canary = view?.state else { return .none }
        switch key {
        case .character("+"), .character("="): return .operate(.canaryStep(canary, points: Self.step))
        case .character("-"): return .operate(.canaryStep(canary, points: -Self.step))
        case .character("w"): return .ask(.canaryWeight(canary))
        case .character("p"): return .operate(.canaryPromote(canary))
        case .character("a"): return .operate(.canaryAbort(canary))
        default: return .none
        }
    }

    public func offeredOperations(state: ClusterState) -> [(key: String, intent: OperationIntent)] {
        guard let canary = view?.state else { return [] }
        return [("+/-", .canaryStep(canary, points: 0)), ("w", .canarySetWeight(canary, percent: canary.canaryPercent)),
                ("p", .canaryPromote(canary)), ("a", .canaryAbort(canary))]
    }

    // MARK: Drawing

    /// One track's numbers, from the pods its selector picks and their telemetry.
    struct Track {
        var pods: [Pod]
        var telemetry: PodTelemetry
    }

    func track(_ selector: LabelSelector?, state: ClusterState) -> Track? {
        guard let selector else { return nil }
        let pods = (state.pods?.items ?? []).filter {
            $0.metadata.namespace == namespace && selector.matches(labels: $0.metadata.labels ?? [:])
        }
        let keys = pods.filter(ClusterState.isScraped).map(ClusterState.key(of:))
        return Track(pods: pods, telemetry: state.telemetry.combined(keys))
    }

    /// The metric rows: a label and the columns whose cells it shows, joined with " / ".
    static let metricRows: [(String, [TelemetryColumn])] = [
        ("TTFT p50 / p99", [.ttftP50, .ttftP99]), ("ITL p50 / p99", [.itlP50, .itlP99]),
        ("error rate", [.errorRate]), ("tokens/s", [.tokensPerSecond]), ("requests/s", [.requestsPerSecond]),
    ]

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
        let bottom = area.y + area.height - 1
        drawStatus(into: &buffer, x: area.x + 1, y: bottom, width: area.width - 2, theme: theme)
        guard let view else { return }
        let canary = view.state
        var y = area.y
        var x = area.x + 1
        x += buffer.put("mechanism: ", x: x, y: y, style: theme.headerLabel)
        x += buffer.put(canary.mechanism.kindName, x: x, y: y, style: theme.header) + 3
        x += buffer.put("object: ", x: x, y: y, style: theme.headerLabel)
        buffer.put(canary.object, x: x, y: y, style: theme.header, maxWidth: area.x + area.width - x - 1)
        y += 1
        if let manager = canary.managedBy {
            buffer.put("managed by \(manager): changes here are refused; drive the canary through it", x: area.x + 1, y: y,
                       style: theme.warning, maxWidth: area.width - 2)
            y += 1
        }
        y += 1
        let labelWidth = 16
        let columnWidth = max(10, (area.width - labelWidth - 3) / 2)
        let stableX = area.x + 1 + labelWidth, canaryX = stableX + columnWidth + 1
        func row(_ label: String, _ stable: String, _ canaryText: String, style: Style? = nil, canaryStyle: Style? = nil) {
            guard y < bottom else { return }
            buffer.put(label, x: area.x + 1, y: y, style: theme.headerLabel, maxWidth: labelWidth - 1)
            buffer.put(stable, x: stableX, y: y, style: style ?? theme.row, maxWidth: columnWidth - 1)
            buffer.put(canaryText, x: canaryX, y: y, style: canaryStyle ?? style ?? theme.row, maxWidth: columnWidth - 1)
            y += 1
        }
        row("", "STABLE", "CANARY", style: theme.canaryStable.adding(.bold), canaryStyle: theme.canary.adding(.bold))
        row("track", canary.stableName, canary.canaryName)
        let byReplicas: Bool = { if case .replicaRatio = canary.mechanism { return true } else { return false } }()
        let unit = byReplicas ? " replicas" : ""
        row(byReplicas ? "replicas" : "weight", "\(canary.stableWeight)\(unit) (\(100 - canary.canaryPercent)%)",
            "\(canary.canaryWeight)\(unit) (\(canary.canaryPercent)%)")
        if y < bottom {
            drawSplit(canary.canaryPercent, into: &buffer, x: stableX, y: y, width: columnWidth * 2, theme: theme, glyphs: glyphs)
            y += 1
        }
        let stable = track(view.tracks.stable, state: state), canaryTrack = track(view.tracks.canary, state: state)
        func ready(_ track: Track?) -> String {
            guard let track else { return MetricText.unknown }
            return "\(track.pods.filter(\.isReady).count)/\(track.pods.count)"
        }
        row("pods ready", ready(stable), ready(canaryTrack))
        for (label, columns) in Self.metricRows {
            func text(_ track: Track?) -> String {
                guard let track else { return MetricText.unknown }
                return TelemetryCell.row(track.telemetry, columns: columns).map(\.text).joined(separator: " / ")
            }
            row(label, text(stable), text(canaryTrack))
        }
        y += 1
        for (key, value) in canary.details.sorted(by: { $0.key < $1.key }) where y < bottom {
            buffer.put("\(key): \(value)", x: area.x + 1, y: y, style: theme.muted, maxWidth: area.width - 2)
            y += 1
        }
        if let note = view.tracks.note, y < bottom {
            buffer.put(note, x: area.x + 1, y: y, style: theme.muted, maxWidth: area.width - 2)
        }
    }

    /// The split as a bar: the stable share in its colour, the canary's in its own.
    private func drawSplit(_ canaryPercent: Int, into buffer: inout CellBuffer, x: Int, y: Int, width: Int, theme: Theme, glyphs: Glyphs) {
        let cells = max(0, width - 2)
        let canaryCells = Int((Double(cells) * Double(canaryPercent) / 100).rounded())
        let full = glyphs.barEighths[8]
        buffer.put(String(repeating: full, count: cells - canaryCells), x: x, y: y, style: theme.canaryStable)
        buffer.put(String(repeating: full, count: canaryCells), x: x + cells - canaryCells, y: y, style: theme.canary)
    }

    private func drawStatus(into buffer: inout CellBuffer, x: Int, y: Int, width: Int, theme: Theme) {
        if let loadError {
            buffer.put(loadError, x: x, y: y, style: theme.error, maxWidth: width)
        } else if view == nil {
            buffer.put("Loading the canary of \(namespace)/\(name)…", x: x, y: y, style: theme.muted, maxWidth: width)
        } else if isLive, let liveSince {
            let age = HumanDuration.format(now().timeIntervalSince(liveSince))
            buffer.put("live from the watches · changed \(age) ago", x: x, y: y, style: theme.muted, maxWidth: width)
        } else if let loadedAt {
            let age = HumanDuration.format(now().timeIntervalSince(loadedAt))
            buffer.put("updated \(age) ago · every \(Int(refreshInterval))s", x: x, y: y, style: theme.muted, maxWidth: width)
        }
    }
}
