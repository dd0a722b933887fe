import ArgumentParser
import Foundation
import Kube
import Operations

/// kubectl's connection flags, shared by every verb that talks to a cluster.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "Path to the kubeconfig file (no merging with KUBECONFIG).")
    var kubeconfig: String?

    @Option(name: .long, help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: [.short, .long], help: "The namespace to use instead of the context's.")
    var namespace: String?

    var overrides: KubeconfigOverrides {
        KubeconfigOverrides(kubeconfigPath: kubeconfig, context: context, namespace: namespace)
    }

    /// Resolves the kubeconfig and opens a client. Server warnings go to stderr as kubectl prints them.
    /// `terminal` lends the terminal to interactive exec plugins (the console leaves curses for them).
    func connect(environment: [String: String] = ProcessInfo.processInfo.environment,
                 terminal: (any TerminalHandoff)? = nil) throws -> (KubeClient, ClusterConnection) {
        let connection = try KubeconfigLoader(overrides: overrides, environment: environment)
            .resolve(options: CredentialOptions(terminalHandoff: terminal))
        let transport = try CurlTransport(options: connection.transport)
        let client = KubeClient(connection: connection, transport: transport, onWarning: { warning in
            Diagnostics.warn(warning.text)
        })
        return (client, connection)
    }
}

/// How the command line reports problems: one line on stderr, in kubectl's words where kubectl
/// has them ("Error from server (NotFound): ...").
enum Diagnostics {
    static func warn(_ text: String) {
        FileHandle.standardError.write(Data("Warning: \(text)\n".utf8))
    }

    static func message(for error: Error) -> String { KubectlErrorText.line(for: error) }

    /// Prints the error and ends the command with exit status 1.
    static func fail(_ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data((message(for: error) + "\n").utf8))
        return ExitCode(1)
    }
}
