import Foundation
import Kube
import Operations

/// Which pods serve each track of a canary, so the canary screen can count their ready pods and
/// join their telemetry, from what each mechanism names as its tracks: replica ratio names
/// Deployments; HTTPRoute and VirtualService backends are Services (their selectors pick the
/// pods); KServe tracks are Knative revisions; Argo Rollouts tracks are pod template hashes.
public struct CanaryTracks: Sendable, Equatable {
    public var stable: LabelSelector?
    public var canary: LabelSelector?
    /// Why a track's pods could not be told (a Service without a selector, a subset route).
    public var note: String?

    public init(stable: LabelSelector?, canary: LabelSelector?, note: String? = nil) {
        self.stable = stable
        self.canary = canary
        self.note = note
    }
}

/// A canary's state with its tracks' pods: what the canary screen shows.
public struct CanaryView: Sendable, Equatable {
    public var state: CanaryState
    public var tracks: CanaryTracks

    public init(state: CanaryState, tracks: CanaryTracks) {
        self.state = state
        self.tracks = tracks
    }
}

enum CanaryTrackSelectors {
    /// The tracks, with the Deployments and Services the mechanism names looked up by name in
    /// the canary's namespace (nil where there is no such object).
    static func tracks(_ state: CanaryState, deployment: (String) -> Deployment?, service: (String) -> Service?) -> CanaryTracks {
        switch state.mechanism {
        case let .replicaRatio(stable, canary, _):
            return CanaryTracks(stable: deployment(stable)?.spec?.selector, canary: deployment(canary)?.spec?.selector)
        case .httpRoute, .virtualService:
            func selector(_ name: String?) -> LabelSelector? {
                guard let name, let labels = service(name)?.spec?.selector, !labels.isEmpty else { return nil }
                return LabelSelector(matchLabels: labels)
            }
            let names = state.trackServices
            let (stable, canary) = (selector(names.stable), selector(names.canary))
            let note = stable == nil || canary == nil
                ? "a backend is not a Service of this namespace with a selector: its pods are not shown" : nil
            return CanaryTracks(stable: stable, canary: canary, note: note)
        case .kserve:
            // Knative labels each revision's pods with the revision's name.
            return CanaryTracks(stable: LabelSelector(matchLabels: ["serving.knative.dev/revision": state.stableName]),
                                canary: LabelSelector(matchLabels: ["serving.knative.dev/revision": state.canaryName]))
        case .argoRollout:
            // Argo labels each ReplicaSet's pods with its template hash (status.stableRS, currentPodHash).
            return CanaryTracks(stable: LabelSelector(matchLabels: ["rollouts-pod-template-hash": state.stableName]),
                                canary: LabelSelector(matchLabels: ["rollouts-pod-template-hash": state.canaryName]))
        }
    }

    /// The tracks from the console's stores (the live canary screen).
    static func tracks(_ state: CanaryState, in cluster: ClusterState) -> CanaryTracks {
        func named<T: KubeObject>(_ snapshot: InformerSnapshot<T>?, _ name: String) -> T? {
            snapshot?.items.first { $0.metadata.namespace == state.namespace && $0.metadata.name == name }
        }
        return tracks(state, deployment: { named(cluster.deployments, $0) }, service: { named(cluster.services, $0) })
    }

    /// The tracks with the objects they name read from the server (the fetched canary screen).
    static func resolve(_ state: CanaryState, client: KubeClient) async -> CanaryTracks {
        let ns = state.namespace
        switch state.mechanism {
        case let .replicaRatio(stable, canary, _):
            async let s = try? client.get(Deployment.self, name: stable, namespace: ns)
            async let c = try? client.get(Deployment.self, name: canary, namespace: ns)
            let (stableDeployment, canaryDeployment) = await (s, c)
            return tracks(state, deployment: { $0 == stable ? stableDeployment : $0 == canary ? canaryDeployment : nil },
                          service: { _ in nil })
        case .httpRoute, .virtualService:
            let names = state.trackServices
            async let s = names.stable.asyncFlatMap { try? await client.get(Service.self, name: $0, namespace: ns) }
            async let c = names.canary.asyncFlatMap { try? await client.get(Service.self, name: $0, namespace: ns) }
            var found: [String: Service] = [:]
            if let name = names.stable, let service = await s { found[name] = service }
            if let name = names.canary, let service = await c { found[name] = service }
            return tracks(state, deployment: { _ in nil }, service: { found[$0] })
        case .kserve, .argoRollout:
            return tracks(state, deployment: { _ in nil }, service: { _ in nil })
        }
    }
}

private extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async -> U?) async -> U? {
        guard let value = self else { return nil }
        return await transform(value)
    }
}
