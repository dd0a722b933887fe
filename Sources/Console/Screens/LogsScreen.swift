import Foundation
import Kube
import Terminal

/// Logs of a pod, or of every pod of a workload merged by time. Follows by default (the view
/// stays at the newest line); `s` pauses and resumes following, `p` switches to the previous
/// container's log, `t` shows timestamps, `/` filters lines. The buffer is bounded, so the view
/// can run for days.
@MainActor
public final class LogsScreen: TextFilterable {
    public let id: ScreenID
    public let target: LogTarget
    public private(set) var following = true
    public private(set) var showTimestamps = false
    public private(set) var filterText: String?
    private var pattern: TextPattern?
    private var inverted = false
    private var follower: LogFollower?
    private let source: (any PodLogSource)?
    /// Lines from the end while paused (0: the newest line is at the bottom).
    private var linesFromEnd = 0
    private var lastDropped = 0
    private var lastCount = 0

    public init(target: LogTarget, source: (any PodLogSource)?) {
        self.target = target
        id = .logs(target)
        self.source = source
    }

    public var title: String {
        switch target {
        case let .pod(key, previous): return "logs(\(key)\(previous ? ", previous" : ""))"
        case let .workload(key): return "logs(\(key), all pods)"
        }
    }

    public var hints: [(key: String, action: String)] {
        [("s", following ? "pause" : "follow"), ("p", "previous"), ("t", "timestamps"), ("esc", "back")]
    }

    public var keyHelp: [(key: String, action: String)] {
        [("s", "pause / follow (autoscroll)"), ("p", "previous container's log / current"), ("t", "timestamps on / off"),
         ("j / k, up / down", "scroll (pauses)"), ("PgUp / PgDn", "page (pauses)"), ("g / G", "oldest / newest (G follows)"),
         ("/", "filter lines (regex; ! inverts)"), ("esc", "clear the filter, then back")]
    }

    public var needsRedraw: Bool { follower?.changed ?? false }

    /// The streams for the target, from the pods the stores hold now.
    func streams(_ state: ClusterState) -> [LogFollower.Stream] {
        let pods: [Pod]
        switch target {
        case let .pod(key, _): pods = state.pod(key: key).map { [$0] } ?? []
        case let .workload(key): pods = state.workload(key: key).map { state.pods(of: $0) } ?? []
        }
        return pods.compactMap { pod in
            guard let container = LogFollower.defaultContainer(of: pod) else { return nil }
            return LogFollower.Stream(namespace: pod.metadata.namespace ?? "", pod: pod.metadata.name ?? "", container: container)
        }
    }

    private var previous: Bool {
        if case let .pod(_, previous) = target { return previous }
        return false
    }

    public func render(_ state: ClusterState, into buffer: inout CellBuffer, area: Rect, theme: Theme, glyphs: Glyphs) {
        buffer.fill(x: area.x, y: area.y, width: area.width, height: area.height, style: theme.logs)
        guard let source else {
            buffer.put("Logs need a cluster connection.", x: area.x + 1, y: area.y + 1, style: theme.muted)
            return
        }
        if follower == nil {
            let streams = streams(state)
            if streams.isEmpty {
                let loading = state.pods?.state == nil || state.pods?.state == .loading
                buffer.put(loading ? "Loading pods…" : "No pods to show logs of.", x: area.x + 1, y: area.y + 1, style: theme.muted)
                return
            }
            let f = LogFollower(source: source, streams: streams, previous: previous)
            f.start()
            follower = f
        }
        guard let follower else { return }
        // A workload's logs take in its new pods as they appear; a gone pod's stream just ends.
        if case .workload = target { follower.follow(streams(state)) }
        follower.changed = false
        drawStatus(follower, into: &buffer, area: area, theme: theme)
        let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let lines = visibleLines(follower.buffer)
        // While paused, keep the same lines in view as new ones arrive below and old ones drop.
        if !following {
            linesFromEnd += lines.count - lastCount
            linesFromEnd = min(max(0, linesFromEnd), max(0, lines.count - body.height))
        } else {
            linesFromEnd = 0
        }
        lastCount = lines.count
        let end = lines.count - linesFromEnd
        let start = max(0, end - body.height)
        let multiPod = Set(follower.streams.map(\.pod)).count > 1
        for (row, line) in lines[start..<end].enumerated() {
            var x = body.x + 1
            if showTimestamps {
                x += buffer.put((line.time.map(LogsScreen.timeText) ?? "-") + " ", x: x, y: body.y + row, style: theme.muted)
            }
            if multiPod {
                x += buffer.put(line.pod + " ", x: x, y: body.y + row, style: theme.header)
            }
            buffer.put(line.text, x: x, y: body.y + row, style: theme.logs, maxWidth: body.x + body.width - x)
        }
        if lines.isEmpty {
            let message = filterText != nil ? "No lines match the filter." : "Waiting for log lines…"
            buffer.put(message, x: body.x + 1, y: body.y, style: theme.muted)
        }
    }

    private func drawStatus(_ follower: LogFollower, into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        var x = area.x + 1
        let mode = following ? "following" : "paused"
        x += buffer.put(mode, x: x, y: area.y, style: following ? theme.ok : theme.warning) + 2
        x += buffer.put("\(follower.buffer.count) lines", x: x, y: area.y, style: theme.muted) + 2
        if follower.buffer.dropped > 0 {
            x += buffer.put("(\(follower.buffer.dropped) older dropped)", x: x, y: area.y, style: theme.muted) + 2
        }
        for stream in follower.streams {
            let (text, style): (String, Style) = switch follower.state(of: stream) {
            case .connecting: ("connecting", theme.warning)
            case .streaming: (follower.previous ? "read" : "live", theme.ok)
            case .ended: ("ended", theme.muted)
            case let .failed(message): ("error: \(message)", theme.error)
            }
            x += buffer.put("\(stream.pod): ", x: x, y: area.y, style: theme.muted)
            x += buffer.put(text, x: x, y: area.y, style: style, maxWidth: area.x + area.width - x) + 2
            if x >= area.x + area.width { break }
        }
    }

    func visibleLines(_ buffer: LogBuffer) -> ArraySlice<LogLine> {
        guard let pattern else { return buffer.lines[...] }
        return ArraySlice(buffer.lines.filter { pattern.matches($0.text) != inverted })
    }

    static func timeText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    public func applyFilter(_ text: String?) throws {
        guard let text, !text.isEmpty else {
            filterText = nil
            pattern = nil
            return
        }
        let invert = text.hasPrefix("!")
        let source = invert ? String(text.dropFirst()) : text
        do {
            pattern = try TextPattern(source)
        } catch {
            throw CommandLineError(message: "invalid regular expression \"\(source)\"")
        }
        inverted = invert
        filterText = text
        follower?.changed = true
    }

    public func handle(_ key: Key, state: ClusterState, visibleRows: Int) -> ScreenAction {
        switch key {
        case .character("s"):
            following.toggle()
        case .character("t"):
            showTimestamps.toggle()
        case .character("p"):
            // The other log of the same pod: previous ↔ current (workload logs have no previous).
            guard case let .pod(key, previous) = target else { return .flash("previous logs are per pod: open a pod first") }
            return .push(.logs(.pod(key: key, previous: !previous)))
        case .up, .character("k"): scroll(by: 1)
        case .down, .character("j"): scroll(by: -1)
        case .pageUp, .ctrl("b"): scroll(by: max(1, visibleRows - 1))
        case .pageDown, .ctrl("f"): scroll(by: -max(1, visibleRows - 1))
        case .home, .character("g"): scroll(by: Int.max / 2)
        case .end, .character("G"):
            following = true
            linesFromEnd = 0
        case .escape: return .pop
        default: break
        }
        return .none
    }

    private func scroll(by lines: Int) {
        following = false
        linesFromEnd = max(0, linesFromEnd + lines)
        // The next render clamps it to what the buffer holds.
        lastCount = follower.map { visibleLines($0.buffer).count } ?? 0
    }

    public func close() {
        follower?.stop()
    }
}
