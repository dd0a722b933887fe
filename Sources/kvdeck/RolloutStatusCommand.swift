import ArgumentParser
import Foundation
import Kube
import Operations
import YAML

/// `kvdeck rollout status`: kubectl's lines as the rollout progresses; exit 1 on a progress
/// deadline, a revision mismatch, or a timeout.
struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Watch a rollout until it completes.")

    @Argument(help: "TYPE/NAME or TYPE NAME (deployment, statefulset).")
    var target: [String]

    @Option(name: .long, help: "Pin to a revision: fail if the running revision differs (Deployments).")
    var revision: Int64 = 0

    @Option(name: .long, help: "Stop waiting after this long (e.g. 60s, 5m; 0 waits forever).")
    var timeout: String = "0"

    @Option(name: [.short, .long], help: "Keep watching until the rollout finishes (true) or check once (false).")
    var watch: Bool = true

    @Option(name: [.short, .long], help: "Output format: json (the final report).")
    var output: OperationOptions.OutputFormat?

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        do {
            guard let limit = GoDuration.parse(timeout) else { throw ValidationError("invalid --timeout \"\(timeout)\"") }
            let (client, connection) = try cluster.connect()
            for warning in connection.warnings { Diagnostics.warn(warning) }
            let ref = try WorkloadRef.parse(target, namespace: connection.namespace)
            let json = output == .json
            let report = try await RolloutStatusWatch(client: client).run(
                ref, revision: revision, watch: watch, timeout: limit == .zero ? nil : limit) { report in
                    if !json { print(report.message) }
                }
            if json {
                print(JSONValue.object(["target": .string(ref.description), "done": .bool(report.done),
                                        "message": .string(report.message)]).jsonString(indentWidth: 4, escapingHTML: true))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
