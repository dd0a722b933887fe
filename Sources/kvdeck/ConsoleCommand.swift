import ArgumentParser
import Console
import Foundation
import Kube
import Telemetry

/// `kvdeck console` (the default): the terminal UI.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The terminal console: vLLM workloads, their pods and the cluster's state, live.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: .long, help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    @MainActor
    func run() async throws {
        try await Self.open(cluster: cluster, noColor: noColor)
    }

    /// Opens the console on the cluster the options select, until the user quits. Shared with
    /// `kvdeck demo`, which points the options at the local cluster's kubeconfig.
    @MainActor
    static func open(cluster: ClusterOptions, noColor: Bool) async throws {
        let environment = ProcessInfo.processInfo.environment
        var session: ConsoleSession
        var feed: ClusterFeed?
        var telemetry: TelemetryFeed?
        let loan = TerminalLoan()
        do {
            let (client, connection) = try cluster.connect(environment: environment, terminal: loan)
            // Without -n the console shows every namespace, as operators look for workloads fleet-wide.
            let namespace = cluster.namespace
            feed = ClusterFeed(client: client, namespace: namespace)
            let settings = try TelemetrySettings.load(environment: environment)
            let prometheus = settings.prometheusByContext[connection.contextName]
            var transport: CurlTransport?
            if case .url = prometheus { transport = try CurlTransport(options: TransportOptions()) }
            telemetry = TelemetryFeed(kube: client, transport: transport, prometheus: prometheus,
                                      configuration: settings.configuration)
            session = ConsoleSession(
                connection: ConnectionSummary(context: connection.contextName, cluster: connection.clusterName,
                                              user: connection.userName, namespace: namespace, warnings: connection.warnings),
                version: KvdeckVersion.string)
        } catch {
            session = ConsoleSession(connection: nil, problem: Diagnostics.message(for: error), version: KvdeckVersion.string)
        }
        do {
            try await ConsoleRunner.run(session: session, feed: feed, telemetry: telemetry, environment: environment,
                                        noColor: noColor, terminalLoan: loan)
        } catch {
            await feed?.stop()
            await telemetry?.stop()
            throw Diagnostics.fail(error)
        }
    }
}
