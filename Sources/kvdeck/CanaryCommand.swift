import ArgumentParser
import Foundation
import Kube
import Operations
import YAML

/// `kvdeck canary create|status|set-weight|step|promote|abort|retry NAME`: the canary of NAME, through
/// whichever mechanism splits its traffic (HTTPRoute, VirtualService, KServe, Argo Rollouts, or
/// two Deployments behind one Service).
struct CanaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Start, show and drive a canary: create it, set its weight, step it, promote or abort it.",
        subcommands: [CanaryCreateCommand.self, CanaryStatusCommand.self, CanarySetWeightCommand.self, CanaryStepCommand.self,
                      CanaryPromoteCommand.self, CanaryAbortCommand.self, CanaryRetryCommand.self])
}

struct CanaryStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the mechanism and the split.")

    @Argument(help: "The workload, route or InferenceService/Rollout name.")
    var name: String

    @Option(name: [.short, .long], help: "Output format: json.")
    var output: OperationOptions.OutputFormat?

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        do {
            let (client, connection) = try cluster.connect()
            let state = try await CanaryOperations(client: client).status(name: name, namespace: connection.namespace)
            if output == .json {
                print(state.json.jsonString(indentWidth: 4, escapingHTML: true))
                return
            }
            print("\(state.object) (\(state.mechanism.kindName))")
            print("stable  \(state.stableName)  weight \(state.stableWeight)")
            print("canary  \(state.canaryName)  weight \(state.canaryWeight)  (\(state.canaryPercent)% of traffic)")
            if let manager = state.managedBy { print("managed by \(manager): drive it there, not here") }
            for (key, value) in state.details.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}

struct CanarySetWeightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-weight", abstract: "Send PERCENT of traffic to the canary.")

    @Argument(help: "The canary's name.") var name: String
    @Argument(help: "The canary's share of traffic, 0 to 100.") var percent: Int
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await CanaryChange.run(name, cluster, options) { try await $0.setWeight($1, percent: percent) }
    }
}

struct CanaryStepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "step", abstract: "Move the canary's share by POINTS (default 10).")

    @Argument(help: "The canary's name.") var name: String
    @Option(name: .long, help: "Percentage points to add (negative to take away).") var by: Int = 10
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await CanaryChange.run(name, cluster, options) { try await $0.step($1, by: by) }
    }
}

struct CanaryPromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "promote", abstract: "Make the canary the stable version.")

    @Argument(help: "The canary's name.") var name: String
    @Flag(name: .long, help: "Argo Rollouts: skip the remaining steps.") var full = false
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await CanaryChange.run(name, cluster, options) { try await $0.promote($1, full: full) }
    }
}

struct CanaryAbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "abort", abstract: "Send all traffic back to stable.")

    @Argument(help: "The canary's name.") var name: String
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await CanaryChange.run(name, cluster, options) { try await $0.abort($1) }
    }
}

struct CanaryRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Argo Rollouts: retry an aborted rollout.")

    @Argument(help: "The Rollout's name.") var name: String
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await CanaryChange.run(name, cluster, options) { try $0.retry($1) }
    }
}

enum CanaryChange {
    static func run(_ name: String, _ cluster: ClusterOptions, _ options: OperationOptions,
                    prepare: (CanaryOperations, CanaryState) async throws -> PreparedOperation) async throws {
        do {
            let (runner, connection) = try OperationReport.connect(cluster, options)
            let canary = CanaryOperations(client: runner.client)
            let state = try await canary.status(name: name, namespace: connection.namespace)
            try await OperationReport.run(try await prepare(canary, state), runner: runner, options: options)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
