import ArgumentParser
import Foundation
import Logging

/// The `kvdeck` command: the console by default, and scripting verbs beside it.
@main
struct Kvdeck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvdeck",
        abstract: "A terminal console for vLLM on Kubernetes, and the engine behind its chat pane.",
        version: KvdeckVersion.string,
        subcommands: [ConsoleCommand.self, DemoCommand.self, GetCommand.self, TopCommand.self, MetricsCommand.self,
                      ScaleCommand.self, RolloutCommand.self, CanaryCommand.self, DeployCommand.self,
                      ServeCommand.self, GenerateCommand.self, TokenizeCommand.self, BenchCommand.self,
                      VersionCommand.self],
        defaultSubcommand: ConsoleCommand.self
    )

    /// Logs go to a file before any command runs: never to a terminal that curses may own. A
    /// server has no curses: `kvdeck serve` logs to stderr (a container's log) unless $KVDECK_LOG is set.
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        do {
            var command = try parseAsRoot()
            if command is ServeCommand, (environment["KVDECK_LOG"] ?? "").isEmpty {
                LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            } else {
                LogFile.bootstrap(environment: environment)
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
