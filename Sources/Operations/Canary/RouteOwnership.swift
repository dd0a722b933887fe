import Foundation
import Kube
import YAML

/// Routes that Argo Rollouts or Flagger manage are theirs: an edit here is reverted at their next
/// reconcile, and fights the analysis they run. Such routes are never patched; the caller is told
/// to drive the owner instead.
enum RouteOwnership {
    /// The owner's name, from ownerReferences, managedFields, or an Argo Rollout that references
    /// the route in its trafficRouting.
    static func manager(of route: JSONValue, kind: ResourceType, rollouts: [JSONValue]) -> String? {
        for owner in route["metadata"]?["ownerReferences"]?.arrayValue ?? [] {
            let apiVersion = owner["apiVersion"]?.stringValue ?? ""
            let ownerName = owner["name"]?.stringValue ?? ""
            if apiVersion.hasPrefix("flagger.app/") { return "Flagger Canary \(ownerName)" }
            if apiVersion.hasPrefix("argoproj.io/") { return "Argo Rollouts \(owner["kind"]?.stringValue ?? "") \(ownerName)" }
        }
        for entry in route["metadata"]?["managedFields"]?.arrayValue ?? [] {
            let manager = entry["manager"]?.stringValue ?? ""
            if manager == "flagger" { return "Flagger" }
            if manager == "rollouts-controller" || manager == "argo-rollouts" { return "Argo Rollouts" }
        }
        let name = route["metadata"]?["name"]?.stringValue ?? ""
        for rollout in rollouts {
            let routing = rollout["spec"]?["strategy"]?["canary"]?["trafficRouting"]
            var names: [String] = []
            if kind == CanaryResources.virtualService {
                names += [routing?["istio"]?["virtualService"]?["name"]?.stringValue].compactMap { $0 }
                names += (routing?["istio"]?["virtualServices"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            } else if kind == CanaryResources.httpRoute {
                for (_, plugin) in routing?["plugins"]?.objectValue?.entries ?? [] {
                    names += [plugin["httpRoute"]?.stringValue].compactMap { $0 }
                    names += (plugin["httpRoutes"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                }
            }
            if names.contains(name) {
                return "Argo Rollouts Rollout \(rollout["metadata"]?["name"]?.stringValue ?? "")"
            }
        }
        return nil
    }
}
