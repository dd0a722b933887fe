import Foundation
import Kube
import Operations
import Terminal

/// A workload's revisions, as `kubectl rollout history` finds them (ReplicaSets or
/// ControllerRevisions), with what an operator of vLLM wants beside them: image, model and args,
/// replicas, age. Enter or `d` shows the pod-template diff against the current revision; space
/// marks a revision and `d` on another diffs the two; `u` undoes to the selected revision.
@MainActor
public final class RolloutHistoryScreen: TableScreen, LoadingScreen, OperatingScreen {
    public let id: ScreenID
    public let workloadKey: String
    public var table = TableView(columns: RolloutHistoryScreen.columns)
    private let now: () -> Date

    /// The revisions as last fetched, oldest first (the table's source order).
    public private(set) var entries: [RevisionEntry] = []
    public private(set) var loadError: String?
    /// The revision marked with space, to diff against another.
    public private(set) var marked: Int64?
    /// The diff shown instead of the table, with its scroll position.
    public private(set) var diff: (title: String, lines: [String], scroll: Int)?
    private var ref: WorkloadRef?
    /// The workload as last drawn; until the first frame, looked up in the state.
    private var workload: InferenceWorkload?
    /// When a fetch was asked for and not yet answered.
    private var loadingSince: Date?
    /// The workload's revision when fetched: a new one (a rollout, an undo) fetches again.
    private var loadedRevision: String?
    private var stale = true
    private var placedCursor = false

    /// Revisions of a vLLM workload mostly differ in their args, so ARGS takes the spare width
    /// and the image and model (often the same in every revision) give way first.
    public static let columns: [TableColumn] = [
        TableColumn("REVISION", alignment: .right), TableColumn("STATE"), TableColumn("CHANGE-CAUSE"),
        TableColumn("IMAGE", priority: 3), TableColumn("MODEL", priority: 2), TableColumn("ARGS", priority: 1, flexible: true),
        TableColumn("READY"), TableColumn("AGE", alignment: .right),
    ]

    public init(workloadKey: String, now: @escaping () -> Date = Date.init) {
        self.workloadKey = workloadKey
        self.id = .rolloutHistory(workloadKey: workloadKey)
        self.now = now
    }

    public var title: String { "history(\(workloadKey))" }

    public var hints: [(key: String, action: String)] {
        if diff != nil { return [("j/k", "scroll"), ("esc", "back to revisions")] }
        return [("enter/d", "diff"), ("space", "mark"), ("u", "undo to it"), ("esc", "back"), ("j/k", "move")]
    }

    public var keyHelp: [(key: String, action: String)] {
        [("enter, d", "diff the selected revision's pod template against the current one"),
         ("space", "mark the selected revision (again: unmark)"),
         ("d (with a mark)", "diff the marked revision against the selected one"),
         ("u", "undo (roll back) to the selected revision; the confirm dialog shows the request"),
         ("j / k (in a diff)", "scroll the diff; esc returns to the revisions"),
         ("esc", "back")]
    }

    /// The revision the workload runs now: the highest (a rollback renumbers the revision it reuses).
    public var currentRevision: Int64? { entries.map(\.revision).max() }

    private var selectedEntry: RevisionEntry? {
        guard let row = table.selectedRow, entries.indices.contains(row) else { return nil }
        return entries[row]
    }

    // MARK: Loading

    public func dataRequests(state: ClusterState, now: Date) -> [OperationRequest] {
        guard let workload = self.workload ?? state.workload(key: workloadKey) else { return [] }
        ref = workload.ref
        if workload.revision != loadedRevision { stale = true }
        // A fetch that never came back is asked again after a while.
        if let since = loadingSince, now.timeIntervalSince(since) < 30 { return [] }
        guard stale, let ref else { return [] }
        loadingSince = now
        stale = false
        loadedRevision = workload.revision
        return [.loadHistory(ref)]
    }

    public func receive(_ event: OperationEvent, now: Date) {
        guard case let .history(ref, loaded) = event, ref == self.ref else { return }
        loadingSince = nil
        switch loaded {
        case let .value(entries):
            self.entries = entries
            loadError = nil
            if let marked, !entries.contains(where: { $0.revision == marked }) { self.marked = nil }
        case let .failed(text):
            loadError = text
        }
    }

    public func invalidate() { stale = true }

    // MARK: Drawing

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.body)
        workload = state.workload(key: workloadKey)
        if let diff {
            drawDiff(diff, into: &buffer, area: area, theme: theme)
            return
        }
        table.rows = entries.map { row(for: $0, theme: theme) }
        if !placedCursor, !entries.isEmpty {
            // Start on the current revision (the last), as the one most often compared.
            placedCursor = true
            table.setCursor(table.order.count - 1, visibleRows: area.height - 2)
        }
        table.setCursor(table.cursor, visibleRows: area.height - 2)
        table.draw(into: &buffer, x: area.x, y: area.y, width: area.width, height: area.height - 1, headerStyle: theme.tableHeader,
                   rowStyle: theme.row, cursorStyle: theme.cursor, ellipsis: glyphs.ellipsis, sortStyle: theme.tableSorter)
        let status: (String, Style)?
        if let loadError {
            status = (loadError, theme.error)
        } else if workload == nil {
            status = (state.deployments?.state == .synced ? "\(workloadKey) is not a Deployment or StatefulSet here." : "Loading workloads…",
                      theme.warning)
        } else if entries.isEmpty {
            status = (loadingSince != nil ? "Loading rollout history…" : "No rollout history found.", theme.muted)
        } else {
            status = marked.map { ("revision \($0) marked: d diffs it against the selected one", theme.muted) }
        }
        if let (text, style) = status {
            buffer.put(text, x: area.x + 1, y: area.y + area.height - 1, style: style, maxWidth: area.width - 2)
        }
    }

    private func row(for entry: RevisionEntry, theme: Theme) -> [TableCell] {
        var state: [String] = []
        if entry.revision == currentRevision { state.append("current") }
        if entry.revision == marked { state.append("marked") }
        let ready = entry.replicas.map { "\(entry.readyReplicas ?? 0)/\($0)" } ?? "-"
        let age = entry.created.map { HumanDuration.format(now().timeIntervalSince($0)) } ?? "<unknown>"
        return [
            TableCell("\(entry.revision)"),
            TableCell(state.joined(separator: ","), style: entry.revision == marked ? theme.filter : (state.isEmpty ? nil : theme.ok)),
            TableCell(entry.changeCause ?? "<none>"),
            TableCell(entry.images.joined(separator: ",")),
            TableCell(entry.model ?? "-"),
            TableCell(entry.args.joined(separator: " ")),
            TableCell(ready),
            TableCell(age),
        ]
    }

    private func drawDiff(_ diff: (title: String, lines: [String], scroll: Int), into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        buffer.put(diff.title, x: area.x + 1, y: area.y, style: theme.tableHeader, maxWidth: area.width - 2)
        let rows = area.height - 1
        for (i, line) in diff.lines.dropFirst(diff.scroll).prefix(rows).enumerated() {
            let style = line.hasPrefix("@@") ? theme.helpSection
                : line.hasPrefix("+++") || line.hasPrefix("---") ? theme.tableHeader
                : line.hasPrefix("+") ? theme.ok : line.hasPrefix("-") ? theme.error : theme.row
            buffer.put(line.replacingOccurrences(of: "\t", with: "  "), x: area.x + 1, y: area.y + 1 + i, style: style,
                       maxWidth: area.width - 2)
        }
    }

    // MARK: Keys

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        if diff != nil { return handleDiff(key, visibleRows: visibleRows) }
        if table.navigate(key, visibleRows: visibleRows) { return .none }
        switch key {
        case .escape: return .pop
        case .character(" "):
            guard let entry = selectedEntry else { return .none }
            marked = marked == entry.revision ? nil : entry.revision
            return .none
        case .enter, .character("d"):
            guard let entry = selectedEntry else { return .none }
            if let marked, marked != entry.revision, let other = entries.first(where: { $0.revision == marked }) {
                showDiff(from: other, to: entry)
            } else if let current = entries.first(where: { $0.revision == currentRevision }) {
                showDiff(from: entry, to: current)
            }
            return .none
        case .character("u"):
            guard let entry = selectedEntry, let ref else { return .none }
            return .operate(.undo(ref, toRevision: entry.revision))
        default:
            return .none
        }
    }

    private func showDiff(from old: RevisionEntry, to new: RevisionEntry) {
        let title = "pod template: revision \(old.revision) → revision \(new.revision)"
        if old.revision == new.revision {
            diff = (title, ["This is the current revision: mark another (space) and press d on it, or choose an older one."], 0)
            return
        }
        let text = RevisionDiff.text(from: old, to: new)
        let lines = text.isEmpty ? ["The two revisions have the same pod template."]
            : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        diff = (title, lines, 0)
    }

    private func handleDiff(_ key: Key, visibleRows: Int) -> ScreenAction {
        guard var shown = diff else { return .none }
        let last = max(0, shown.lines.count - visibleRows)
        switch key {
        case .escape, .character("q"), .enter: diff = nil; return .none
        case .down, .character("j"): shown.scroll = min(last, shown.scroll + 1)
        case .up, .character("k"): shown.scroll = max(0, shown.scroll - 1)
        case .pageDown, .ctrl("f"), .character(" "): shown.scroll = min(last, shown.scroll + max(1, visibleRows - 1))
        case .pageUp, .ctrl("b"): shown.scroll = max(0, shown.scroll - max(1, visibleRows - 1))
        case .home, .character("g"): shown.scroll = 0
        case .end, .character("G"): shown.scroll = last
        default: return .none
        }
        diff = shown
        return .none
    }

    /// Undo, asked about with "to the previous revision": what RBAC checks is the same patch.
    public func offeredOperations(state: ClusterState) -> [(key: String, intent: OperationIntent)] {
        guard let ref, entries.count > 1, diff == nil else { return [] }
        return [("u", .undo(ref, toRevision: 0))]
    }
}
