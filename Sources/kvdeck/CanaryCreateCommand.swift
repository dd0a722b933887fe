import ArgumentParser
import Foundation
import Kube
import Operations

/// `kvdeck canary create NAME --image I | --model M | --args ...`: starts a canary of Deployment
/// NAME as a second track, NAME-canary, and splits traffic to it.
struct CanaryCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Start a canary: a second track NAME-canary with a new image, model or args.",
        discussion: """
        The canary Deployment NAME-canary copies NAME with the label track=canary added to its \
        labels, selector and pod template, so that neither Deployment selects the other's pods. \
        NAME's selector must therefore carry a track label (track=stable, say); a canary it would \
        select is refused. The change applies to the serving container (the one that names a model).

        If an HTTPRoute sends NAME's traffic to a Service of NAME's pods (a rule with that one \
        backend), a Service NAME-canary selecting the canary's pods is created and added to that \
        rule as a second backendRef with --weight percent (default \(CanaryOperations.defaultRouteWeight)); the stable backend gets \
        the rest. Without such an HTTPRoute, an Istio VirtualService whose http route has one \
        destination naming that Service by host (and no subset) gets the canary as a second \
        weighted destination the same way. Otherwise the split is by replicas through the \
        Services both tracks match.

        Every request is shown with --dry-run=client; then drive the canary with \
        kvdeck canary status|set-weight|step|promote|abort NAME.
        """)

    @Argument(help: "The stable Deployment.") var name: String
    @Option(name: .long, help: "The canary's container image.") var image: String?
    @Option(name: .long, help: "The model the canary serves (replaces --model MODEL or `serve MODEL` in its command line).")
    var model: String?
    @Option(name: .long, help: "Replicas of the canary track.") var replicas: Int = 1
    @Option(name: .long, help: "With an HTTPRoute or VirtualService: the canary's share of its traffic in percent (default \(CanaryOperations.defaultRouteWeight)).")
    var weight: Int?
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var options: OperationOptions
    @Option(name: .long, parsing: .remaining,
            help: "The canary container's args, replacing the stable's: everything after --args, so put it last.")
    var args: [String] = []

    func run() async throws {
        do {
            let (runner, connection) = try OperationReport.connect(cluster, options)
            let change = CanaryTrackChange(image: image, model: model, args: args.isEmpty ? nil : args,
                                           replicas: replicas, weight: weight)
            let operation = try await CanaryOperations(client: runner.client)
                .create(name: name, namespace: connection.namespace, change: change)
            try await OperationReport.run(operation, runner: runner, options: options)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
