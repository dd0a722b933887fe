import Foundation
import Kube

/// `:ctx NAME`: the kubeconfig read again (the same `--kubeconfig` or `KUBECONFIG` files) and
/// resolved for another context, with a new client. No request is sent while opening, so the
/// UI does not wait on the network; the new informers connect in the background.
@MainActor
public struct KubeconfigConnector: ClusterConnector {
    public var overrides: KubeconfigOverrides
    public var environment: [String: String]
    public var terminal: (any TerminalHandoff)?
    /// Server warnings of the new client; the console must not print them over the screen.
    public var onWarning: @Sendable (APIWarning) -> Void

    public init(overrides: KubeconfigOverrides, environment: [String: String], terminal: (any TerminalHandoff)?,
                onWarning: @escaping @Sendable (APIWarning) -> Void = { _ in }) {
        self.overrides = overrides
        self.environment = environment
        self.terminal = terminal
        self.onWarning = onWarning
    }

    public var contextNames: [String] {
        (try? KubeconfigLoader(overrides: overrides, environment: environment).load().contextNames) ?? []
    }

    public func open(context: String, namespace: String?) throws -> (client: KubeClient, connection: ConnectionSummary) {
        var switched = overrides
        switched.context = context
        let connection = try KubeconfigLoader(overrides: switched, environment: environment)
            .resolve(options: CredentialOptions(terminalHandoff: terminal))
        let client = KubeClient(connection: connection, transport: try CurlTransport(options: connection.transport),
                                onWarning: onWarning)
        return (client, ConnectionSummary(context: connection.contextName, cluster: connection.clusterName,
                                          user: connection.userName, namespace: namespace, warnings: connection.warnings))
    }
}
