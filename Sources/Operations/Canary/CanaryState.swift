import Foundation
import Kube
import YAML

/// How traffic is split between a stable and a canary track, and where that split lives.
public enum CanaryMechanism: Sendable, Equatable {
    /// Gateway API HTTPRoute: `spec.rules[rule].backendRefs[i].weight` (proportional, default 1).
    case httpRoute(name: String, rule: Int, stable: Int, canary: Int)
    /// Istio VirtualService: `spec.http[route].route[i].weight` (percent, summing to 100).
    case virtualService(name: String, route: Int, stable: Int, canary: Int)
    /// KServe InferenceService: `spec.predictor.canaryTrafficPercent`.
    case kserve(name: String)
    /// Argo Rollouts Rollout: declarative steps; driven by promote and abort.
    case argoRollout(name: String)
    /// Two Deployments behind one Service: traffic follows the ratio of ready replicas.
    case replicaRatio(stable: String, canary: String, service: String?)

    public var kindName: String {
        switch self {
        case .httpRoute: return "gateway-api-httproute"
        case .virtualService: return "istio-virtualservice"
        case .kserve: return "kserve-inferenceservice"
        case .argoRollout: return "argo-rollout"
        case .replicaRatio: return "replica-ratio"
        }
    }
}

/// What `kvdeck canary status` shows and what set-weight/promote/abort start from.
public struct CanaryState: Sendable, Equatable {
    public var namespace: String
    public var mechanism: CanaryMechanism
    /// The object holding the split ("httproute.gateway.networking.k8s.io/smollm2").
    public var object: String
    public var stableName: String
    public var canaryName: String
    /// The raw weights as stored (HTTPRoute weights are proportional, not percent).
    public var stableWeight: Int
    public var canaryWeight: Int
    /// The canary's share of traffic in percent, rounded down.
    public var canaryPercent: Int
    /// Set when the route is owned by a progressive-delivery controller that would revert edits.
    public var managedBy: String?
    /// Mechanism-specific facts (Argo phase and step, KServe revisions).
    public var details: [String: String]

    public var json: JSONValue {
        var object: JSONObject = [
            "namespace": .string(namespace), "mechanism": .string(mechanism.kindName), "object": .string(self.object),
            "stable": .object(["name": .string(stableName), "weight": .int(Int64(stableWeight))]),
            "canary": .object(["name": .string(canaryName), "weight": .int(Int64(canaryWeight))]),
            "canaryPercent": .int(Int64(canaryPercent)),
        ]
        object["managedBy"] = managedBy.map { .string($0) } ?? .null
        if !details.isEmpty {
            object["details"] = .object(JSONObject(details.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        return .object(object)
    }

    /// A few words for a table cell: "10% httproute", "10% istio", "kserve 20%", "argo step 2/5",
    /// "1/3 replicas" (canary replicas of all).
    public var summary: String {
        switch mechanism {
        case .httpRoute: return "\(canaryPercent)% httproute"
        case .virtualService: return "\(canaryPercent)% istio"
        case .kserve: return "kserve \(canaryPercent)%"
        case .argoRollout: return details["step"].map { "argo step \($0)" } ?? "argo \(canaryPercent)%"
        case .replicaRatio: return "\(canaryWeight)/\(stableWeight + canaryWeight) replicas"
        }
    }

    /// For a route split, the Services of `namespace` each track sends to (their selectors pick
    /// the track's pods): an HTTPRoute backend's name, or the Service an Istio destination host
    /// names by Kubernetes DNS. nil for an Istio subset (a DestinationRule, not read, picks its
    /// pods), another namespace's or an external host, and for the other mechanisms.
    public var trackServices: (stable: String?, canary: String?) {
        switch mechanism {
        case .httpRoute: return (stableName, canaryName)
        case .virtualService:
            func service(_ backend: String) -> String? {
                backend.contains("/") ? nil : WeightedRouteCanary.serviceName(ofHost: backend, namespace: namespace)
            }
            return (service(stableName), service(canaryName))
        case .kserve, .argoRollout, .replicaRatio: return (nil, nil)
        }
    }

    static func percent(canary: Int, stable: Int) -> Int {
        let total = canary + stable
        return total > 0 ? canary * 100 / total : 0
    }
}
