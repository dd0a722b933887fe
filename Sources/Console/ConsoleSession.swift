import Foundation
import Kube
import Terminal

/// Where the console is connected, for the header.
public struct ConnectionSummary: Sendable, Equatable {
    public var context: String
    public var cluster: String
    public var user: String
    /// nil means all namespaces.
    public var namespace: String?
    public var warnings: [String]

    public init(context: String, cluster: String, user: String, namespace: String?, warnings: [String] = []) {
        self.context = context
        self.cluster = cluster
        self.user = user
        self.namespace = namespace
        self.warnings = warnings
    }
}

/// The console's navigation and drawing, apart from the terminal: a stack of screens, the
/// header with context and data freshness, and the footer with key hints. Rendering is pure, so
/// every frame can be produced and checked headless in tests.
@MainActor
public final class ConsoleSession {
    public private(set) var stack: [any Screen]
    public let connection: ConnectionSummary?
    /// Shown instead of the screens when there is no cluster to show (no kubeconfig, bad context).
    public let problem: String?
    public private(set) var wantsQuit = false
    public private(set) var showHelp = false
    private let version: String

    public init(connection: ConnectionSummary?, problem: String? = nil, version: String) {
        self.connection = connection
        self.problem = problem
        self.version = version
        self.stack = [WorkloadsScreen()]
    }

    public var top: any Screen { stack[stack.count - 1] }

    /// Rows available to the screen's table (without its header row).
    public func visibleRows(height: Int) -> Int { max(1, height - 4) }

    public func handle(_ key: Key, state: ClusterState, height: Int) {
        switch key {
        case .ctrl("c"), .character("q") where !showHelp:
            wantsQuit = true
            return
        case .character("?"):
            showHelp.toggle()
            return
        case .escape where showHelp, .character("q") where showHelp:
            showHelp = false
            return
        default:
            break
        }
        guard problem == nil, !showHelp else { return }
        switch top.handle(key, state: state, visibleRows: visibleRows(height: height)) {
        case .none: break
        case .quit: wantsQuit = true
        case .pop: if stack.count > 1 { stack.removeLast() }
        case let .push(id):
            switch id {
            case let .pods(workloadKey): stack.append(PodsScreen(workloadKey: workloadKey))
            case .workloads: stack = [WorkloadsScreen()]
            case .nodes, .events: break // their screens come with the console issue
            }
        }
    }

    public func render(_ state: ClusterState, width: Int, height: Int, theme: Theme, glyphs: Glyphs) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        buffer.fill(x: 0, y: 0, width: width, height: height, style: theme.body)
        drawHeader(state, into: &buffer, width: width, theme: theme, glyphs: glyphs)
        let area = Rect(x: 0, y: 3, width: width, height: max(0, height - 4))
        if let problem {
            drawProblem(problem, into: &buffer, area: area, theme: theme)
        } else if showHelp {
            drawHelp(into: &buffer, area: area, theme: theme)
        } else {
            top.render(state, into: &buffer, area: area, theme: theme, glyphs: glyphs)
        }
        drawFooter(into: &buffer, y: height - 1, width: width, theme: theme)
        return buffer
    }

    private func drawHeader(_ state: ClusterState, into buffer: inout CellBuffer, width: Int, theme: Theme, glyphs: Glyphs) {
        var x = buffer.put("kvdeck \(version)", x: 1, y: 0, style: theme.headerAccent)
        if let c = connection {
            x += 1
            x += buffer.put("  context: \(c.context)  cluster: \(c.cluster)  namespace: \(c.namespace ?? "all")",
                            x: x, y: 0, style: theme.header, maxWidth: width - x - 1)
            var sx = 1
            for (name, informerState, loaded) in state.freshness {
                let (text, style) = describe(informerState, loaded: loaded, theme: theme)
                sx += buffer.put("\(name): ", x: sx, y: 1, style: theme.muted)
                sx += buffer.put(text, x: sx, y: 1, style: style) + 3
            }
            if let warning = c.warnings.first {
                buffer.put("! \(warning)", x: sx, y: 1, style: theme.warning, maxWidth: width - sx - 1)
            }
        }
        let crumbs = stack.map(\.title).joined(separator: " > ")
        buffer.put(" \(crumbs) ", x: 1, y: 2, style: theme.headerAccent.adding(.reverse), maxWidth: width - 2)
    }

    private func describe(_ state: InformerState?, loaded: Int?, theme: Theme) -> (String, Style) {
        switch state {
        case nil: return ("starting", theme.muted)
        case .loading?: return (loaded.map { "loading \($0)" } ?? "loading", theme.warning)
        case .synced?: return ("live", theme.ok)
        case .stale?: return ("stale", theme.warning)
        case let .reconnecting(attempt, _)?: return ("reconnecting (\(attempt))", theme.error)
        }
    }

    private func drawFooter(into buffer: inout CellBuffer, y: Int, width: Int, theme: Theme) {
        var x = 1
        let hints = (problem == nil ? top.hints : []) + [("?", "help")]
        for (key, action) in hints where x < width - 1 {
            x += buffer.put("<\(key)>", x: x, y: y, style: theme.footerKey)
            x += buffer.put(" \(action)  ", x: x, y: y, style: theme.footer)
        }
    }

    private func drawProblem(_ problem: String, into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        var y = area.y + 1
        buffer.put("No cluster to show", x: 2, y: y, style: theme.error.adding(.bold))
        y += 2
        for line in wrap(problem, width: max(10, area.width - 4)) where y < area.y + area.height {
            buffer.put(line, x: 2, y: y, style: theme.row)
            y += 1
        }
        y += 1
        let advice = [
            "kvdeck reads --kubeconfig, else the files in KUBECONFIG, else ~/.kube/config,",
            "and uses --context or the kubeconfig's current-context.",
            "The embedded local cluster (no kubeconfig needed) is not built yet.",
            "Press q to quit.",
        ]
        for line in advice where y < area.y + area.height {
            buffer.put(line, x: 2, y: y, style: theme.muted, maxWidth: area.width - 4)
            y += 1
        }
    }

    private func drawHelp(into buffer: inout CellBuffer, area: Rect, theme: Theme) {
        let keys: [(String, String)] = [
            ("j / down, k / up", "move"), ("PgDn / ctrl-f, PgUp / ctrl-b", "page"), ("g / Home, G / End", "first, last"),
            ("enter", "open (a workload's pods)"), ("esc", "back"), ("a", "serving workloads only / all workloads"),
            ("?", "this help"), ("q, ctrl-c", "quit"),
        ]
        buffer.put("Keys", x: 2, y: area.y + 1, style: theme.headerAccent)
        for (i, (key, action)) in keys.enumerated() where area.y + 3 + i < area.y + area.height {
            buffer.put(key, x: 4, y: area.y + 3 + i, style: theme.footerKey)
            buffer.put(action, x: 36, y: area.y + 3 + i, style: theme.row, maxWidth: area.width - 37)
        }
    }

    private func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty, DisplayWidth.of(line) + 1 + DisplayWidth.of(String(word)) > width {
                    lines.append(line)
                    line = ""
                }
                line += line.isEmpty ? String(word) : " " + word
            }
            lines.append(line)
        }
        return lines
    }
}
