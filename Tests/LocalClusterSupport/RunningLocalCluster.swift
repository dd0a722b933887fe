import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster

/// A local cluster in process as tests need it: the API, an in-process client acting as `user`
/// (kubectl by default), the recorded real cluster's three GPU nodes or the demo, and the
/// controllers running with short delays so a rollout takes milliseconds. Every test that drives
/// the local cluster in process starts it here, so they share one controller configuration.
public struct RunningLocalCluster: Sendable {
    public let api: LocalAPI
    public let client: KubeClient
    public let manager: ControllerManager

    /// Creates `namespace` (unless nil) and the recorded nodes, starts the controllers (unless
    /// `startControllers` is false: the test starts `manager` when it wants pods to run), then
    /// seeds the demo (`DemoSeed`, with its own nodes and namespace) when `seedDemo` is set; the
    /// seed runs after the start because its revisions are ReplicaSets the controllers make.
    /// kubelet: serves Running pods' logs and proxy paths (else pods have neither).
    public static func start(namespace: String? = "fixtures", recordedNodes: Bool = true, user: String = "kubectl",
                             resyncInterval: Duration = .seconds(2), podStartDelay: Duration = .milliseconds(30),
                             podTerminationDelay: Duration = .milliseconds(30), kubelet: StandInKubelet? = nil,
                             seedDemo: Bool = false, startControllers: Bool = true) async throws -> RunningLocalCluster {
        let api = LocalAPI(podEndpoints: kubelet?.endpoints)
        let clientNamespace = namespace ?? (seedDemo ? DemoSeed.namespace : "default")
        let client = KubeClient(connection: ClusterConnection(server: URL(string: "https://local.invalid")!, transport: TransportOptions(),
                                                              credentials: NoCredentials(), namespace: clientNamespace),
                                transport: InProcessTransport(handler: api, user: user))
        if let namespace {
            _ = try await client.create(Namespace.resourceType,
                                        body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        }
        if recordedNodes {
            try await RecordedGPUNodes.create(using: client)
        }
        let manager = ControllerManager(api: api, configuration: ControllerConfiguration(
            podStartDelay: podStartDelay, podTerminationDelay: podTerminationDelay, resyncInterval: resyncInterval,
            coalesceInterval: .milliseconds(5)), kubelet: kubelet)
        if startControllers { await manager.start() }
        if seedDemo { try await DemoSeed.apply(using: client) }
        return RunningLocalCluster(api: api, client: client, manager: manager)
    }

    /// Another client of the same API, acting as `user` (in front of it, `handler` when given).
    public func client(user: String, handler: (any APIRequestHandler)? = nil) -> KubeClient {
        KubeClient(connection: client.connection, transport: InProcessTransport(handler: handler ?? api, user: user))
    }

    public func stop() async {
        await manager.stop()
    }
}
