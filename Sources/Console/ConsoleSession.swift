import Foundation
import Kube
import Terminal

/// Where the console is connected, for the status line.
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

/// What the session asks of whoever owns the cluster connection (the runner): the session
/// stays pure and never touches the network itself.
public enum SessionRequest: Sendable, Equatable {
    /// Watch another namespace (nil: all) with the same client.
    case namespace(String?)
    /// Rebuild the client from the kubeconfig for another context.
    case context(String)
}

/// The console's navigation and drawing, apart from the terminal: a stack of screens, the
/// status line, the `:` command bar and `/` filter, help, sorting, and the footer. Rendering is
/// pure, so every frame can be produced and checked headless in tests.
@MainActor
public final class ConsoleSession {
    public private(set) var stack: [any Screen]
    public private(set) var connection: ConnectionSummary?
    /// Shown instead of the screens when there is no cluster to show (no kubeconfig, bad context).
    public let problem: String?
    public private(set) var wantsQuit = false
    public private(set) var showHelp = false
    /// The help page shown; the last frame's page count bounds it.
    public internal(set) var helpPage = 0
    var helpPageCount = 1
    /// The command bar or filter prompt while the user types one.
    public private(set) var prompt: Prompt?
    /// A message in the footer (a command's error, a switch in progress) until the next key or its time ends.
    public private(set) var flash: (text: String, isError: Bool, until: Date)?
    /// `--readonly`, `readOnly: true` in the config or KVDECK_READ_ONLY: no changes anywhere.
    public var readOnly = false
    /// Contexts the config marks read-only (`contexts.NAME.readOnly: true`).
    public var readOnlyContexts: Set<String> = []
    /// The operation dialog over the top screen (input, working out, confirm).
    public internal(set) var dialog: OperationDialog?
    /// RBAC answers for the actions offered, kept briefly.
    public var access = AccessCache()
    /// For `InFlightOperations`, taken by the runner each turn.
    var operationRequests: [OperationRequest] = []
    var nextTicket = 1
    /// RBAC is asked about the actions of a selection once it has stayed this long (seconds), so
    /// holding `j` through a hundred workloads does not send a hundred reviews.
    public var accessProbeDelay: TimeInterval = 0.3
    /// The actions offered now and since when.
    var offeredSince: (keys: [AccessKey], time: Date)?
    /// Where log views read from; nil without a cluster.
    public var logSource: (any PodLogSource)?
    /// Where the pod detail's graphs come from (telemetry); nil shows "no metrics yet".
    public weak var graphs: (any GraphSeriesSource)?
    /// The kubeconfig's contexts, for `:ctx` completion and checking.
    public var contextNames: [String] = []
    /// The chat pane's conversations and backends (one local engine for the console's lifetime).
    public var chats = ChatConversations(environment: ProcessInfo.processInfo.environment)
    /// Where `:deploy` deploys: the runner keeps its client and namespace current.
    public let deployTarget = DeployTarget()
    private var request: SessionRequest?
    private var history = PromptHistory()
    let version: String
    let now: () -> Date

    public init(connection: ConnectionSummary?, problem: String? = nil, version: String, now: @escaping () -> Date = Date.init) {
        self.connection = connection
        self.problem = problem
        self.version = version
        self.now = now
        self.stack = [WorkloadsScreen(now: now)]
    }

    public var top: any Screen { stack[stack.count - 1] }

    /// Rows available to the screen's table (without its header row).
    public func visibleRows(height: Int) -> Int { max(1, height - 5) }

    /// True when something changed that the stores do not signal (log lines, an expiring flash).
    public var needsRedraw: Bool { top.needsRedraw || (flash.map { $0.until <= now() } ?? false) }

    /// Returns when every screen's work off the main actor has landed (`Screen.settled`).
    public func settled() async {
        for screen in stack { await screen.settled() }
    }

    /// The pending namespace or context switch, once.
    public func takeRequest() -> SessionRequest? {
        defer { request = nil }
        return request
    }

    /// After a switch: the new connection. A new context starts again from the workloads.
    public func connected(to summary: ConnectionSummary, contextChanged: Bool) {
        connection = summary
        if contextChanged {
            reset(to: WorkloadsScreen(now: now))
            // Another user on another cluster: earlier answers and dialogs mean nothing there.
            access.removeAll()
            dialog = nil
            operationRequests.removeAll()
        }
        showMessage(contextChanged ? "context \(summary.context)" : "namespace \(summary.namespace ?? "all")", isError: false)
    }

    private func openHelp() {
        showHelp = true
        helpPage = 0
    }

    public func showMessage(_ text: String, isError: Bool) {
        flash = (text, isError, now().addingTimeInterval(isError ? 6 : 3))
    }

    // MARK: - Keys

    public func handle(_ key: Key, state: ClusterState, height: Int) {
        if key == .resize { return }
        if prompt != nil { return handlePrompt(key, state: state) }
        flash = nil
        if dialog != nil, key != .ctrl("c") { return handleDialog(key) }
        // A screen with a text input (chat) takes typing and its ctrl-c before the console's keys.
        if !showHelp, let capturing = top as? any KeyCapturingScreen, capturing.capturesKey(key) {
            return perform(top.handle(key, state: state, visibleRows: visibleRows(height: height)), state: state)
        }
        if key == .ctrl("c") { wantsQuit = true; return }
        if showHelp {
            switch key {
            case .escape, .character("?"), .character("q"): showHelp = false
            case .character(" "), .pageDown, .ctrl("f"), .character("j"), .down: helpPage = min(helpPage + 1, helpPageCount - 1)
            case .character("b"), .pageUp, .ctrl("b"), .character("k"), .up: helpPage = max(0, helpPage - 1)
            case .character("g"), .home: helpPage = 0
            case .character("G"), .end: helpPage = helpPageCount - 1
            default: break
            }
            return
        }
        switch key {
        case .character("q"): wantsQuit = true; return
        case .character("?"): openHelp(); return
        case .character(":"): prompt = Prompt(kind: .command, history: history.entries(.command)); return
        case .character("-"):
            // k9s's `-`: the command before the last one again, like `cd -`.
            let commands = history.entries(.command)
            guard commands.count >= 2 else { return }
            let previous = commands[commands.count - 2]
            history.record(previous, kind: .command)
            runCommand(previous, state: state)
            return
        default: break
        }
        guard problem == nil else { return }
        if key == .character("/") {
            if let t = top as? any TableScreen {
                prompt = Prompt(kind: .filter, text: t.table.filter?.text ?? "", history: history.entries(.filter))
            } else if let f = top as? any TextFilterable {
                prompt = Prompt(kind: .filter, text: f.filterText ?? "", history: history.entries(.filter))
            }
            return
        }
        if key == .escape, clearFilter() { return }
        if let t = top as? any TableScreen, let sort = SortKeys.apply(key, to: t.table) {
            t.table.sort = sort
            return
        }
        perform(top.handle(key, state: state, visibleRows: visibleRows(height: height)), state: state)
    }

    /// Esc first clears a filter, as in k9s; true when there was one.
    private func clearFilter() -> Bool {
        if let t = top as? any TableScreen, t.table.filter != nil {
            t.table.filter = nil
            return true
        }
        if let f = top as? any TextFilterable, f.filterText != nil {
            try? f.applyFilter(nil)
            return true
        }
        return false
    }

    private func handlePrompt(_ key: Key, state: ClusterState) {
        guard var p = prompt else { return }
        let outcome = p.handle(key) { ConsoleCommandLine.complete($0, values: { self.completionValues($0, state: state) }) }
        prompt = p
        switch outcome {
        case .editing: return
        case .cancelled: prompt = nil
        case let .submitted(text):
            prompt = nil
            history.record(text, kind: p.kind)
            p.kind == .command ? runCommand(text, state: state) : applyFilter(text)
        }
    }

    func completionValues(_ argument: ConsoleCommandLine.Argument, state: ClusterState) -> [String] {
        switch argument {
        case .namespace: return (state.namespaces?.items ?? []).compactMap(\.metadata.name)
        case .context: return contextNames
        case .workload: return state.workloads(servingOnly: false).map(\.name)
        case .optionalObject: return []
        }
    }

    /// The completion the prompt shows greyed after the text (the first candidate).
    func suggestion(state: ClusterState) -> String? {
        guard let p = prompt, p.kind == .command, !p.text.isEmpty else { return nil }
        let completed = ConsoleCommandLine.complete(p.text, values: { self.completionValues($0, state: state) })
        if completed != p.text { return completed }
        let candidates = ConsoleCommandLine.completions(for: p.text, values: { self.completionValues($0, state: state) })
        guard let first = candidates.first else { return nil }
        let words = p.text.split(separator: " ", omittingEmptySubsequences: false)
        return words.count <= 1 ? first : words.dropLast().joined(separator: " ") + " " + first
    }

    private func applyFilter(_ text: String) {
        do {
            if let t = top as? any TableScreen {
                t.table.filter = try RowFilterParser.parse(text)
                t.table.setCursor(0, visibleRows: 1)
            } else if let f = top as? any TextFilterable {
                try f.applyFilter(text.isEmpty ? nil : text)
            }
        } catch {
            showMessage("\(error)", isError: true)
        }
    }

    private func runCommand(_ text: String, state: ClusterState) {
        let command: NavigationCommand
        do {
            command = try ConsoleCommandLine.parse(text)
        } catch {
            showMessage("\(error)", isError: true)
            return
        }
        switch command {
        case .quit: wantsQuit = true
        case .help: openHelp()
        case let .open(id):
            guard problem == nil else { return }
            switch id {
            case .workloads: reset(to: WorkloadsScreen(now: now))
            case let .rolloutHistory(name):
                guard let name else { return showMessage(":history NAME (Tab completes workloads)", isError: true) }
                guard let workload = workload(named: name, state: state) else {
                    return showMessage("no workload named \"\(name)\" here", isError: true)
                }
                open(.rolloutHistory(workloadKey: workload.key))
            case let .canary(name):
                guard let name else { return showMessage(":canary NAME (a workload, route or InferenceService)", isError: true) }
                // Argo Rollouts and InferenceServices are not workloads the console lists: a plain
                // name is looked up in the namespace shown (or "default" when all are shown).
                let key = workload(named: name, state: state)?.key
                    ?? (name.contains("/") ? name : "\(connection?.namespace ?? "default")/\(name)")
                open(.canary(workloadKey: key))
            default: open(id)
            }
        case let .podsOf(name):
            guard let workload = workload(named: name, state: state) else { return showMessage("no workload named \"\(name)\" here", isError: true) }
            open(.pods(workloadKey: workload.key))
        case let .namespace(namespace):
            guard connection != nil else { return showMessage("no cluster connected", isError: true) }
            request = .namespace(namespace)
            showMessage("switching to namespace \(namespace ?? "all")…", isError: false)
        case let .context(name):
            guard contextNames.isEmpty || contextNames.contains(name) else {
                return showMessage("no context \"\(name)\" in the kubeconfig (known: \(contextNames.joined(separator: ", ")))", isError: true)
            }
            request = .context(name)
            showMessage("switching to context \(name)…", isError: false)
        }
    }

    /// A workload by `namespace/name` or by name (the first in namespace order).
    private func workload(named name: String, state: ClusterState) -> InferenceWorkload? {
        state.workloads(servingOnly: false).first { $0.key == name || $0.name == name }
    }

    private func perform(_ action: ScreenAction, state: ClusterState) {
        switch action {
        case .none: break
        case let .operate(intent): begin(intent)
        case let .ask(question): ask(question)
        case .quit: wantsQuit = true
        case let .flash(text): showMessage(text, isError: true)
        case .pop:
            guard stack.count > 1 else { return }
            stack.removeLast().close()
        case let .push(id): open(id)
        }
    }

    /// Opens a screen on top. A screen already on the stack is returned to instead (no
    /// endless stacks from :pods, :nodes, :pods); a log view replaces a log view (previous ↔ current).
    private func open(_ id: ScreenID) {
        if let index = stack.firstIndex(where: { $0.id == id }) {
            while stack.count > index + 1 { stack.removeLast().close() }
            return
        }
        if case .logs = id, top is LogsScreen { stack.removeLast().close() }
        stack.append(makeScreen(id))
    }

    private func reset(to screen: any Screen) {
        while let s = stack.popLast() { s.close() }
        stack = [screen]
    }

    func makeScreen(_ id: ScreenID) -> any Screen {
        switch id {
        case .workloads: return WorkloadsScreen(now: now)
        case let .pods(key): return PodsScreen(workloadKey: key, now: now)
        case .allPods: return PodsScreen(workloadKey: nil, now: now)
        case let .podDetail(key): return PodDetailScreen(podKey: key, graphs: graphs, now: now)
        case let .logs(target): return LogsScreen(target: target, source: logSource)
        case .nodes: return NodesScreen(now: now)
        case let .events(scope): return EventsScreen(scope: scope, now: now)
        case let .chat(key): return ChatScreen(workloadKey: key, conversations: chats, now: now)
        case .deploy: return DeployScreen(target: deployTarget, readOnly: readOnly)
        case let .rolloutHistory(key?): return RolloutHistoryScreen(workloadKey: key, now: now)
        case let .canary(key?): return CanaryScreen(key: key, now: now)
        case .rolloutHistory(nil), .canary(nil): return PlannedScreen(id: id)
        }
    }
}
