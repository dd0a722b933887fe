import Foundation
import Kube
import Operations

/// Starts the informers the console needs and hands each new snapshot to the main actor.
@MainActor
public final class ClusterFeed {
    public private(set) var state = ClusterState()
    /// Set when a snapshot arrived since the last frame; the loop redraws and clears it.
    public var changed = true
    private var tasks: [Task<Void, Never>] = []
    private var stops: [@Sendable () async -> Void]
    private var stopped = false
    /// Which Events API the feed reads, once discovery has said (nil until then).
    public private(set) var eventsAPI: EventsAPI?
    /// The client the informers use; `:ns` reuses it, `:ctx` makes a new one.
    public let client: KubeClient
    /// nil: all namespaces.
    public let namespace: String?
    public var logSource: any PodLogSource { KubeLogSource(client: client) }

    /// `namespace` nil watches all namespaces. Nodes and namespaces are cluster-scoped and
    /// always watched whole (the nodes view counts GPU requests of the pods it can see).
    public init(client: KubeClient, namespace: String?) {
        self.client = client
        self.namespace = namespace
        let deployments = Informer<Deployment>(client: client, namespace: namespace)
        let statefulSets = Informer<StatefulSet>(client: client, namespace: namespace)
        let pods = Informer<Pod>(client: client, namespace: namespace)
        let nodes = Informer<Node>(client: client, namespace: nil)
        let namespaces = Informer<Namespace>(client: client, namespace: nil)
        // Services: which of them select a canary's tracks (replica ratio, routes to Services).
        let services = Informer<Service>(client: client, namespace: namespace)
        stops = [{ await deployments.stop() }, { await statefulSets.stop() }, { await pods.stop() },
                 { await nodes.stop() }, { await namespaces.stop() }, { await services.stop() }]
        tasks = [
            follow(deployments) { $0.deployments = $1 },
            follow(statefulSets) { $0.statefulSets = $1 },
            follow(pods) { $0.pods = $1 },
            follow(nodes) { $0.nodes = $1 },
            follow(namespaces) { $0.namespaces = $1 },
            follow(services) { $0.services = $1 },
            Task { @MainActor [weak self] in await self?.followCanaryResources() },
        ]
        tasks.append(Task { @MainActor [weak self] in
            let api = await EventsAPI.discover(using: client)
            self?.followEvents(api)
        })
    }

    /// Starts the events informer of the API discovery chose; nothing once stopped.
    private func followEvents(_ api: EventsAPI) {
        guard !stopped else { return }
        eventsAPI = api
        switch api {
        case .eventsV1:
            let events = Informer<EventsV1Event>(client: client, namespace: namespace)
            stops.append { await events.stop() }
            tasks.append(follow(events) { $0.eventsV1 = $1 })
        case .coreV1:
            let events = Informer<Event>(client: client, namespace: namespace)
            stops.append { await events.stop() }
            tasks.append(follow(events) { $0.events = $1 })
        }
    }

    /// Starts an informer for each kind a canary's split can live in that discovery says this
    /// server serves (HTTPRoute, VirtualService, InferenceService, Argo Rollout). A cluster
    /// without them, or a user who may not read discovery or list them, leaves the CANARY column
    /// empty for that mechanism: a failed discovery starts nothing, and a 403 on a list keeps
    /// that informer retrying in the background with no items.
    private func followCanaryResources() async {
        let served: [ResourceType]
        do {
            served = try await CanaryResources.served(by: client)
        } catch {
            return
        }
        guard !stopped else { return }
        state.canaryCoverage = CanaryCoverage(namespace: namespace, servedKinds: Set(served.map(\.resource)))
        changed = true
        for type in served {
            guard let store = ClusterState.canaryStore(of: type) else { continue }
            let informer = Informer<UnstructuredObject>(client: client, resource: type, namespace: namespace)
            stops.append { await informer.stop() }
            tasks.append(follow(informer) { $0[keyPath: store] = $1 })
        }
    }

    private func follow<T: KubeObject>(_ informer: Informer<T>,
                                         _ store: @escaping @MainActor (inout ClusterState, InformerSnapshot<T>) -> Void) -> Task<Void, Never> {
        Task { @MainActor [weak self] in
            await informer.start()
            for await snapshot in await informer.updates() {
                guard let self else { return }
                store(&self.state, snapshot)
                self.state.lastSync = Date()
                self.changed = true
            }
        }
    }

    public func stop() async {
        stopped = true
        tasks.forEach { $0.cancel() }
        for stop in stops { await stop() }
    }
}
