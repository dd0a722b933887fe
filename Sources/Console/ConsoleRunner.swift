import Foundation
import Kube
import Operations
import Terminal

/// Opens clients for kubeconfig contexts, so `:ctx NAME` can switch without a restart. The
/// executable implements it with its kubeconfig flags; no network is touched while opening.
@MainActor
public protocol ClusterConnector {
    var contextNames: [String] { get }
    func open(context: String, namespace: String?) throws -> (client: KubeClient, connection: ConnectionSummary)
}

/// Runs the console on the real terminal until the user quits: draws a frame when data or keys
/// changed something (and every `refreshRate` seconds, so ages move), carries out namespace and
/// context switches, hands the session's operation requests to `InFlightOperations` (whose
/// answers come back between frames), and between frames lets the informers' tasks run.
@MainActor
public enum ConsoleRunner {
    /// - Parameter makeTelemetry: the scraper for a client and its context name, made again after `:ctx`.
    /// - Parameter auditLog: where the changes made from the console are recorded.
    public static func run(session: ConsoleSession, feed: ClusterFeed?, telemetry: TelemetryFeed? = nil,
                           makeTelemetry: (@MainActor (KubeClient, String) -> TelemetryFeed?)? = nil,
                           environment: [String: String], noColor: Bool, terminalLoan: TerminalLoan? = nil,
                           theme chosen: Theme = .standard, refreshRate: Double = 1,
                           connector: (any ClusterConnector)? = nil, auditLog: AuditLog? = nil) async throws {
        let screen = try NcursesScreen(environment: environment, noColor: noColor)
        terminalLoan?.screen = screen
        defer { screen.stop() }
        let theme = screen.depth == .monochrome ? Theme.monochrome : chosen
        var feed = feed
        var telemetry = telemetry
        session.logSource = feed?.logSource
        session.contextNames = connector?.contextNames ?? []
        let operations = InFlightOperations(client: feed?.client, auditLog: auditLog, deliver: { session.receive($0) })
        var dirty = true
        var lastTick = Date()
        while !session.wantsQuit {
            if let request = session.takeRequest() {
                let before = feed?.client
                feed = await switchConnection(request, feed: feed, session: session, connector: connector)
                // A new client (`:ctx`) needs its own scraper: the old one reached the old cluster.
                if let client = feed?.client, client !== before, let makeTelemetry {
                    await telemetry?.stop()
                    telemetry = makeTelemetry(client, session.connection?.context ?? "")
                }
                dirty = true
            }
            session.chats.client = feed?.client
            session.deployTarget.client = feed?.client
            session.deployTarget.namespace = session.connection?.namespace ?? "default"
            var state = feed?.state ?? ClusterState()
            if feed?.changed == true { telemetry?.follow(state) }
            state.telemetry = telemetry?.snapshot ?? state.telemetry
            // Operations go to the current cluster: after `:ctx`, what was in flight for the old one is dropped.
            operations.replaceClient(feed?.client)
            for request in session.takeOperationRequests(state: state) { operations.start(request) }
            let tick = Date().timeIntervalSince(lastTick) >= refreshRate
            if dirty || operations.changed || feed?.changed == true || telemetry?.changed == true || session.needsRedraw || tick {
                operations.changed = false
                let size = screen.size
                screen.present(session.render(state, width: size.width, height: size.height, theme: theme, glyphs: screen.glyphs))
                feed?.changed = false
                telemetry?.changed = false
                dirty = false
                if tick { lastTick = Date() }
            }
            if let key = screen.readKey(timeoutMilliseconds: 30) {
                session.handle(key, state: state, height: screen.size.height)
                dirty = true
            }
            // Let snapshot deliveries (main-actor tasks) run between polls.
            try? await Task.sleep(for: .milliseconds(20))
        }
        operations.cancelAll()
        for screen in session.stack { screen.close() }
        await feed?.stop()
        await telemetry?.stop()
    }

    /// `:ns` keeps the client and watches another namespace; `:ctx` opens a new client from the
    /// kubeconfig. A failure keeps the old connection and says why in the footer.
    static func switchConnection(_ request: SessionRequest, feed: ClusterFeed?, session: ConsoleSession,
                                 connector: (any ClusterConnector)?) async -> ClusterFeed? {
        guard var summary = session.connection else { return feed }
        switch request {
        case let .namespace(namespace):
            guard let old = feed else { return feed }
            await old.stop()
            let next = ClusterFeed(client: old.client, namespace: namespace)
            summary.namespace = namespace
            session.logSource = next.logSource
            session.connected(to: summary, contextChanged: false)
            return next
        case let .context(name):
            guard let connector else {
                session.showMessage("switching contexts needs a kubeconfig", isError: true)
                return feed
            }
            do {
                let (client, connection) = try connector.open(context: name, namespace: summary.namespace)
                await feed?.stop()
                let next = ClusterFeed(client: client, namespace: summary.namespace)
                session.logSource = next.logSource
                session.connected(to: connection, contextChanged: true)
                return next
            } catch {
                session.showMessage("cannot switch to \(name): \(error)", isError: true)
                return feed
            }
        }
    }
}
