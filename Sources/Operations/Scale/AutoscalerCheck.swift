import Foundation
import Kube
import YAML

/// Finds autoscalers that own a workload's replica count: an HPA whose scaleTargetRef names it,
/// or a KEDA ScaledObject (which drives an HPA of its own). A manual scale is undone by them.
public struct AutoscalerCheck: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public static let scaledObject = ResourceType(group: "keda.sh", version: "v1alpha1", resource: "scaledobjects",
                                                  kind: "ScaledObject", namespaced: true)

    /// One warning per autoscaler; none when there are none or they cannot be listed.
    public func warnings(for workload: WorkloadRef) async -> [String] {
        var warnings: [String] = []
        let kind = workload.kind == .deployment ? "Deployment" : "StatefulSet"
        if let hpas = try? await client.list(HorizontalPodAutoscaler.resourceType, namespace: workload.namespace) {
            for hpa in hpas.items {
                let target = hpa["spec"]?["scaleTargetRef"]
                guard target?["kind"]?.stringValue == kind, target?["name"]?.stringValue == workload.name else { continue }
                let name = hpa["metadata"]?["name"]?.stringValue ?? "?"
                let range = "\(hpa["spec"]?["minReplicas"]?.intValue ?? 1)-\(hpa["spec"]?["maxReplicas"]?.intValue ?? 0)"
                warnings.append("HorizontalPodAutoscaler \(name) scales \(workload) (\(range) replicas) and will undo a manual scale")
            }
        }
        // KEDA may not be installed: a 404 here just means no ScaledObjects.
        if let scaled = try? await client.list(Self.scaledObject, namespace: workload.namespace) {
            for object in scaled.items {
                let target = object["spec"]?["scaleTargetRef"]
                let targetKind = target?["kind"]?.stringValue ?? "Deployment"
                guard targetKind == kind, target?["name"]?.stringValue == workload.name else { continue }
                let name = object["metadata"]?["name"]?.stringValue ?? "?"
                warnings.append("KEDA ScaledObject \(name) scales \(workload) and will undo a manual scale")
            }
        }
        return warnings
    }
}
