import Foundation
import Kube

/// Starts the informers the console needs and hands each new snapshot to the main actor.
@MainActor
public final class ClusterFeed {
    public private(set) var state = ClusterState()
    /// Set when a snapshot arrived since the last frame; the loop redraws and clears it.
    public var changed = true
    private var tasks: [Task<Void, Never>] = []
    private let stops: [@Sendable () async -> Void]

    /// `namespace` nil watches all namespaces.
    public init(client: KubeClient, namespace: String?) {
        let deployments = Informer<Deployment>(client: client, namespace: namespace)
        let statefulSets = Informer<StatefulSet>(client: client, namespace: namespace)
        let pods = Informer<Pod>(client: client, namespace: namespace)
        stops = [{ await deployments.stop() }, { await statefulSets.stop() }, { await pods.stop() }]
        tasks = [
            follow(deployments) { $0.deployments = $1 },
            follow(statefulSets) { $0.statefulSets = $1 },
            follow(pods) { $0.pods = $1 },
        ]
    }

    private func follow<T: KubeResource>(_ informer: Informer<T>,
                                         _ store: @escaping @MainActor (inout ClusterState, InformerSnapshot<T>) -> Void) -> Task<Void, Never> {
        Task { @MainActor [weak self] in
            await informer.start()
            for await snapshot in await informer.updates() {
                guard let self else { return }
                store(&self.state, snapshot)
                self.changed = true
            }
        }
    }

    public func stop() async {
        tasks.forEach { $0.cancel() }
        for stop in stops { await stop() }
    }
}
