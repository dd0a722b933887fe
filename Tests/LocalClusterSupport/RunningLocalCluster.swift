import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster

/// A local cluster in process as tests need it: the API, an in-process client acting as `user`
/// (kubectl by default), the recorded real cluster's three GPU nodes, and the controllers running
/// with short delays so a rollout takes milliseconds.
public struct RunningLocalCluster: Sendable {
    public let api: LocalAPI
    public let client: KubeClient
    public let manager: ControllerManager

    /// Creates `namespace` (unless nil) and the recorded nodes, then starts the controllers.
    public static func start(namespace: String? = "fixtures", recordedNodes: Bool = true, user: String = "kubectl",
                             resyncInterval: Duration = .seconds(2)) async throws -> RunningLocalCluster {
        let api = LocalAPI()
        let client = KubeClient(connection: ClusterConnection(server: URL(string: "https://local.invalid")!, transport: TransportOptions(),
                                                              credentials: NoCredentials(), namespace: namespace ?? "default"),
                                transport: InProcessTransport(handler: api, user: user))
        if let namespace {
            _ = try await client.create(Namespace.resourceType,
                                        body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        }
        if recordedNodes {
            try await RecordedGPUNodes.create(using: client)
        }
        let manager = ControllerManager(api: api, configuration: ControllerConfiguration(
            podStartDelay: .milliseconds(30), podTerminationDelay: .milliseconds(30), resyncInterval: resyncInterval,
            coalesceInterval: .milliseconds(5)))
        await manager.start()
        return RunningLocalCluster(api: api, client: client, manager: manager)
    }

    public func stop() async {
        await manager.stop()
    }
}
