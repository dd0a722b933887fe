import ArgumentParser
import Console
import Foundation
import Kube
import Logging
import Operations
import Telemetry

/// `kvdeck console` (the default): the terminal UI.
struct ConsoleCommand: AsyncParsableCommand {
    /// Server warnings after a context switch go to the log file: the screen belongs to curses.
    static let logger = Logger(label: "kvdeck.console")

    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The terminal console: vLLM workloads, their pods and the cluster's state, live.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: .long, help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    @Option(name: .long, help: "Theme: a name in themes/ (default-dark, light, high-contrast, monochrome, dracula) or a k9s skin file. Also KVDECK_THEME or `theme:` in ~/.config/kvdeck/config.yaml.")
    var theme: String?

    @Flag(name: [.customLong("read-only"), .customLong("readonly")],
          help: "Read-only: no changes to the cluster (also KVDECK_READ_ONLY=1, or `readOnly: true` in the config file, globally or per context).")
    var readonly = false

    @MainActor
    func run() async throws {
        try await Self.open(cluster: cluster, noColor: noColor, theme: theme, readOnly: readonly)
    }

    /// Opens the console on the cluster the options select, until the user quits. Shared with
    /// `kvdeck demo`, which points the options at the local cluster's kubeconfig and, when its
    /// pods cannot run the engine, says so in `clusterNotice` (`short` stays in the status line
    /// beside the connection's warnings, `full` is the footer's first message).
    @MainActor
    static func open(cluster: ClusterOptions, noColor: Bool, theme themeFlag: String? = nil, readOnly: Bool = false,
                     clusterNotice: (short: String, full: String)? = nil) async throws {
        let environment = ProcessInfo.processInfo.environment
        var session: ConsoleSession
        var feed: ClusterFeed?
        var telemetry: TelemetryFeed?
        let loan = TerminalLoan()
        let connector = KubeconfigConnector(overrides: cluster.overrides, environment: environment, terminal: loan,
                                            onWarning: { ConsoleCommand.logger.warning("\($0.text)") })
        let (config, configProblem) = ConsoleConfig.load(environment: environment)
        let (theme, themeProblem) = ThemeCatalog(environment: environment).choose(flag: themeFlag, environment: environment, config: config)
        // Said before curses takes the screen (it stays in the scrollback), and again in the footer.
        for problem in [configProblem, themeProblem].compactMap({ $0 }) { Diagnostics.warn(problem) }
        let makeTelemetry: @MainActor (KubeClient, String) -> TelemetryFeed? = { client, context in
            try? Self.telemetryFeed(client: client, context: context, environment: environment)
        }
        do {
            let (client, connection) = try cluster.connect(environment: environment, terminal: loan)
            // Without -n the console shows every namespace, as operators look for workloads fleet-wide.
            let namespace = cluster.namespace
            feed = ClusterFeed(client: client, namespace: namespace)
            telemetry = try Self.telemetryFeed(client: client, context: connection.contextName, environment: environment)
            session = ConsoleSession(
                connection: ConnectionSummary(context: connection.contextName, cluster: connection.clusterName,
                                              user: connection.userName, namespace: namespace,
                                              warnings: (clusterNotice.map { [$0.short] } ?? []) + connection.warnings),
                version: KvdeckVersion.string)
        } catch {
            session = ConsoleSession(connection: nil, problem: Diagnostics.message(for: error), version: KvdeckVersion.string)
        }
        session.readOnly = readOnly || config.readOnly || OperationSettings.readOnlyRequested(environment: environment)
        session.readOnlyContexts = config.readOnlyContexts
        if let problem = themeProblem ?? configProblem ?? clusterNotice?.full { session.showMessage(problem, isError: true) }
        do {
            try await ConsoleRunner.run(session: session, feed: feed, telemetry: telemetry, makeTelemetry: makeTelemetry,
                                        environment: environment, noColor: noColor, terminalLoan: loan, theme: theme,
                                        refreshRate: config.refreshRate, connector: connector,
                                        auditLog: AuditLog(url: AuditLog.defaultURL(environment: environment)))
        } catch {
            await feed?.stop()
            await telemetry?.stop()
            throw Diagnostics.fail(error)
        }
    }

    /// The scraper for a cluster: its pods through the API server's proxy, or the Prometheus
    /// server `~/.config/kvdeck/telemetry.yaml` names for the context.
    @MainActor
    static func telemetryFeed(client: KubeClient, context: String, environment: [String: String]) throws -> TelemetryFeed {
        let settings = try TelemetrySettings.load(environment: environment)
        let prometheus = settings.prometheusByContext[context]
        var transport: CurlTransport?
        if case .url = prometheus { transport = try CurlTransport(options: TransportOptions()) }
        return TelemetryFeed(kube: client, transport: transport, prometheus: prometheus, configuration: settings.configuration)
    }
}

