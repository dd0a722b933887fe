import ArgumentParser
import Foundation

/// The `kvdeck` command: the console by default, and scripting verbs beside it.
@main
struct Kvdeck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvdeck",
        abstract: "A terminal console for vLLM on Kubernetes, and the engine behind its chat pane.",
        version: KvdeckVersion.string,
        subcommands: [ConsoleCommand.self, DemoCommand.self, GetCommand.self, TopCommand.self, MetricsCommand.self,
                      VersionCommand.self],
        defaultSubcommand: ConsoleCommand.self
    )

    /// Logs go to a file before any command runs: never to a terminal that curses may own.
    static func main() async {
        LogFile.bootstrap(environment: ProcessInfo.processInfo.environment)
        do {
            var command = try parseAsRoot()
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
