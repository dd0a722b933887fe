import Foundation
import Kube
import Operations
import Telemetry
import YAML

/// The latest snapshots of the informers the console shows, as plain values. Screens read only
/// this; it changes only when an informer publishes a new snapshot.
public struct ClusterState: Sendable {
    public var deployments: InformerSnapshot<Deployment>?
    public var statefulSets: InformerSnapshot<StatefulSet>?
    public var pods: InformerSnapshot<Pod>?
    public var nodes: InformerSnapshot<Node>?
    /// The scraper's latest snapshot (`TelemetryFeed`); joined to workloads and pods in `TelemetryJoin`.
    public var telemetry = TelemetrySnapshot()
    /// core/v1 Events; `eventsV1` when the feed reads events.k8s.io/v1 instead (the same objects).
    public var events: InformerSnapshot<Event>?
    public var eventsV1: InformerSnapshot<EventsV1Event>?
    /// For `:ns` completion; may stay empty where listing namespaces is not allowed.
    public var namespaces: InformerSnapshot<Namespace>?
    /// Services, and the custom resources a canary's split can live in (each nil where the
    /// server does not serve the kind): the CANARY column's inputs.
    public var services: InformerSnapshot<Service>?
    public var httpRoutes: InformerSnapshot<UnstructuredObject>?
    public var virtualServices: InformerSnapshot<UnstructuredObject>?
    public var inferenceServices: InformerSnapshot<UnstructuredObject>?
    public var rollouts: InformerSnapshot<UnstructuredObject>?
    /// What the canary stores cover, once the feed's discovery has answered (nil before, or when
    /// it failed): with it, `liveCanaryInputs` tells a kind the server lacks from one not listed.
    public var canaryCoverage: CanaryCoverage?
    /// When any store last delivered a snapshot (the status line's "synced 3s ago").
    public var lastSync: Date?

    public init() {}

    /// Events from whichever API the feed reads, newest first.
    public var clusterEvents: [ClusterEvent] {
        let all = (events?.items.map(ClusterEvent.init) ?? []) + (eventsV1?.items.map(ClusterEvent.init) ?? [])
        return all.sorted { ($0.lastSeen ?? .distantPast) > ($1.lastSeen ?? .distantPast) }
    }

    /// The pods in the stores, by `namespace/name`.
    public func pod(key: String) -> Pod? {
        pods?.items.first { $0.metadata.key == key }
    }

    /// Every Deployment and StatefulSet, inference servers first; `servingOnly` keeps only those.
    public func workloads(servingOnly: Bool) -> [InferenceWorkload] {
        let all = (deployments?.items.map(InferenceWorkload.init) ?? [])
            + (statefulSets?.items.map(InferenceWorkload.init) ?? [])
        let chosen = servingOnly ? all.filter { $0.identity != nil } : all
        return chosen.sorted { ($0.identity == nil ? 1 : 0, $0.namespace, $0.name) < ($1.identity == nil ? 1 : 0, $1.namespace, $1.name) }
    }

    public func workload(key: String) -> InferenceWorkload? {
        workloads(servingOnly: false).first { $0.key == key }
    }

    /// The pods a workload's selector picks in its namespace.
    public func pods(of workload: InferenceWorkload) -> [Pod] {
        guard let selector = workload.selector else { return [] }
        return (pods?.items ?? []).filter {
            $0.metadata.namespace == workload.namespace && selector.matches(labels: $0.metadata.labels ?? [:])
        }
    }

    /// Everything `CanaryDetection` decides from, out of the stores.
    public var canaryInputs: CanaryInputs {
        func objects(_ snapshot: InformerSnapshot<UnstructuredObject>?) -> [JSONValue] { snapshot?.items.map(\.object) ?? [] }
        return CanaryInputs(deployments: deployments?.items ?? [], services: services?.items ?? [],
                            httpRoutes: objects(httpRoutes), virtualServices: objects(virtualServices),
                            inferenceServices: objects(inferenceServices), rollouts: objects(rollouts))
    }

    /// `canaryInputs`, when they hold everything `CanaryDetector` would read for `namespace`:
    /// the stores watch that namespace, discovery has said which canary kinds the server serves,
    /// and the Deployments, Services and every served kind's store are synced. nil otherwise (a
    /// list still loading, refused or reconnecting), where only a fetch tells the canary.
    public func liveCanaryInputs(namespace: String) -> CanaryInputs? {
        guard let coverage = canaryCoverage, coverage.namespace == nil || coverage.namespace == namespace,
              deployments?.state == .synced, services?.state == .synced else { return nil }
        for type in CanaryResources.all where coverage.servedKinds.contains(type.resource) {
            guard let store = Self.canaryStore(of: type), self[keyPath: store]?.state == .synced else { return nil }
        }
        return canaryInputs
    }

    /// The store holding a canary kind (`CanaryResources`): where the feed puts its informer's
    /// snapshots and `liveCanaryInputs` checks them. nil for any other kind.
    static func canaryStore(of type: ResourceType) -> WritableKeyPath<ClusterState, InformerSnapshot<UnstructuredObject>?>? {
        switch type {
        case CanaryResources.httpRoute: return \.httpRoutes
        case CanaryResources.virtualService: return \.virtualServices
        case CanaryResources.inferenceService: return \.inferenceServices
        case CanaryResources.argoRollout: return \.rollouts
        default: return nil
        }
    }

    /// The stores `canaryInputs` reads, as stamps: equal stamps, equal inputs.
    var canaryStamp: [String?] {
        [RowStamp.stamp(deployments), RowStamp.stamp(services), RowStamp.stamp(httpRoutes), RowStamp.stamp(virtualServices),
         RowStamp.stamp(inferenceServices), RowStamp.stamp(rollouts), canaryCoverage.map { "\($0)" }]
    }

    /// One line on how fresh each store is, for the header ("deployments synced · pods loading 1500").
    public var freshness: [(name: String, state: InformerState?, loaded: Int?)] {
        [("deploy", deployments?.state, deployments?.listProgress?.itemsLoaded),
         ("sts", statefulSets?.state, statefulSets?.listProgress?.itemsLoaded),
         ("pods", pods?.state, pods?.listProgress?.itemsLoaded),
         ("nodes", nodes?.state, nodes?.listProgress?.itemsLoaded),
         ("events", events?.state ?? eventsV1?.state, events?.listProgress?.itemsLoaded)]
    }
}

/// Which namespace the console's stores watch (nil: all) and which canary kinds (resource names,
/// `CanaryResources`) the server serves and so have a store.
public struct CanaryCoverage: Sendable, Equatable {
    public var namespace: String?
    public var servedKinds: Set<String>

    public init(namespace: String?, servedKinds: Set<String>) {
        self.namespace = namespace
        self.servedKinds = servedKinds
    }
}
