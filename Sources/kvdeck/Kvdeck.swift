import ArgumentParser

/// The `kvdeck` command: the console by default, and scripting verbs beside it.
@main
struct Kvdeck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvdeck",
        abstract: "A terminal console for vLLM on Kubernetes, and the engine behind its chat pane.",
        version: KvdeckVersion.string,
        subcommands: [ConsoleCommand.self, GetCommand.self, VersionCommand.self],
        defaultSubcommand: ConsoleCommand.self
    )
}
