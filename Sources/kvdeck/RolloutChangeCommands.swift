import ArgumentParser
import Foundation
import Kube
import Operations

/// `kvdeck rollout undo`: back to the previous revision or `--to-revision`.
struct RolloutUndoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "undo", abstract: "Roll back to a previous revision.")

    @Argument(help: "TYPE/NAME or TYPE NAME (deployment, statefulset).")
    var target: [String]

    @Option(name: .long, help: "The revision to roll back to (0: the previous one).")
    var toRevision: Int64 = 0

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await RolloutChange.run(target, cluster, options) { client, ref in
            try await RollbackOperation(client: client).prepare(ref, toRevision: toRevision)
        }
    }
}

/// `kvdeck rollout restart`: a new rollout of the same template (`restartedAt`).
struct RolloutRestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart every pod of a workload by a rollout.")

    @Argument(help: "TYPE/NAME or TYPE NAME (deployment, statefulset).")
    var target: [String]

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await RolloutChange.run(target, cluster, options) { client, ref in
            try await RestartOperation(client: client).prepare(ref)
        }
    }
}

/// `kvdeck rollout pause`.
struct RolloutPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a Deployment's rollouts.")

    @Argument(help: "TYPE/NAME or TYPE NAME (deployment).")
    var target: [String]

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await RolloutChange.run(target, cluster, options) { client, ref in
            try await PauseOperation(client: client).prepare(ref, pause: true)
        }
    }
}

/// `kvdeck rollout resume`.
struct RolloutResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused Deployment.")

    @Argument(help: "TYPE/NAME or TYPE NAME (deployment).")
    var target: [String]

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await RolloutChange.run(target, cluster, options) { client, ref in
            try await PauseOperation(client: client).prepare(ref, pause: false)
        }
    }
}

/// The shared body of the changing rollout verbs: connect, prepare, run, report; errors exit 1
/// with kubectl's text.
enum RolloutChange {
    static func run(_ target: [String], _ cluster: ClusterOptions, _ options: OperationOptions,
                    prepare: (KubeClient, WorkloadRef) async throws -> PreparedOperation) async throws {
        do {
            let (runner, connection) = try OperationReport.connect(cluster, options)
            let ref = try WorkloadRef.parse(target, namespace: connection.namespace)
            try await OperationReport.run(try await prepare(runner.client, ref), runner: runner, options: options)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
