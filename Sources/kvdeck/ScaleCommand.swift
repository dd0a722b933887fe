import ArgumentParser
import Foundation
import Kube
import Operations

/// `kvdeck scale deployment/NAME --replicas=N`: kubectl's requests, messages and exit codes.
struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Set the replicas of a Deployment or StatefulSet through its /scale subresource, as kubectl scale does.")

    @Argument(help: "TYPE/NAME or TYPE NAME (deployment, statefulset).")
    var target: [String]

    @Option(name: .long, help: "The new number of replicas.")
    var replicas: Int

    @Option(name: .long, help: "Only scale if the current replicas are this many (GET, then PUT with the resourceVersion).")
    var currentReplicas: Int?

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions

    func run() async throws {
        do {
            let (runner, connection) = try OperationReport.connect(cluster, options)
            let ref = try WorkloadRef.parse(target, namespace: connection.namespace)
            let operation = try await ScaleOperation(client: runner.client)
                .prepare(ref, replicas: replicas, currentReplicas: currentReplicas)
            try await OperationReport.run(operation, runner: runner, options: options)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
