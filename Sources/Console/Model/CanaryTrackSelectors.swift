import Foundation
import Kube
import Operations

/// Which pods serve each track of a canary, so the canary screen can count their ready pods and
/// join their telemetry. Read once per refresh, from what each mechanism names as its tracks:
/// replica ratio names Deployments; HTTPRoute and VirtualService backends are Services (their
/// selectors pick the pods); KServe tracks are Knative revisions; Argo Rollouts tracks are pod
/// template hashes.
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
    static func resolve(_ state: CanaryState, client: KubeClient) async -> CanaryTracks {
        switch state.mechanism {
        case let .replicaRatio(stable, canary, _):
            async let s = deploymentSelector(stable, state.namespace, client)
            async let c = deploymentSelector(canary, state.namespace, client)
            return CanaryTracks(stable: await s, canary: await c)
        case .httpRoute, .virtualService:
            async let s = serviceSelector(state.stableName, state.namespace, client)
            async let c = serviceSelector(state.canaryName, state.namespace, client)
            let (stable, canary) = await (s, c)
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

    static func deploymentSelector(_ name: String, _ namespace: String, _ client: KubeClient) async -> LabelSelector? {
        try? await client.get(Deployment.self, name: name, namespace: namespace).spec?.selector
    }

    /// A backend named `svc`, `svc.ns` or `svc.ns.svc.cluster.local` (Istio hosts); an Istio
    /// subset (`host/subset`) is chosen by a DestinationRule, which is not read: nil.
    static func serviceSelector(_ backend: String, _ namespace: String, _ client: KubeClient) async -> LabelSelector? {
        guard !backend.contains("/") else { return nil }
        let parts = backend.split(separator: ".").map(String.init)
        guard let name = parts.first, parts.count == 1 || parts[1] == namespace else { return nil }
        guard let selector = try? await client.get(Service.self, name: name, namespace: namespace).spec?.selector,
              !selector.isEmpty else { return nil }
        return LabelSelector(matchLabels: selector)
    }
}
