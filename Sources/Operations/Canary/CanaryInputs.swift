import Foundation
import Kube
import YAML

/// The objects a canary's split can live in, grouped by namespace: what `CanaryDetection`
/// decides from. `kvdeck canary` fills it with a few reads of one namespace; the console with
/// its informers' snapshots of every namespace it watches. Custom resources stay unstructured.
public struct CanaryInputs: Sendable {
    var deployments: [String: Deployment] = [:]
    var services: [String: [Service]] = [:]
    var httpRoutes: [String: [JSONValue]] = [:]
    var virtualServices: [String: [JSONValue]] = [:]
    var inferenceServices: [String: [JSONValue]] = [:]
    var rollouts: [String: [JSONValue]] = [:]

    public init(deployments: [Deployment] = [], services: [Service] = [], httpRoutes: [JSONValue] = [],
                virtualServices: [JSONValue] = [], inferenceServices: [JSONValue] = [], rollouts: [JSONValue] = []) {
        for deployment in deployments { self.deployments[deployment.metadata.key] = deployment }
        for service in services { self.services[service.metadata.namespace ?? "", default: []].append(service) }
        self.httpRoutes = Self.byNamespace(httpRoutes)
        self.virtualServices = Self.byNamespace(virtualServices)
        self.inferenceServices = Self.byNamespace(inferenceServices)
        self.rollouts = Self.byNamespace(rollouts)
    }

    private static func byNamespace(_ objects: [JSONValue]) -> [String: [JSONValue]] {
        Dictionary(grouping: objects) { $0["metadata"]?["namespace"]?.stringValue ?? "" }
    }

    func deployment(_ name: String, in namespace: String) -> Deployment? { deployments["\(namespace)/\(name)"] }

    func routes(_ type: ResourceType, in namespace: String) -> [JSONValue] {
        (type == CanaryResources.httpRoute ? httpRoutes : virtualServices)[namespace] ?? []
    }

    static func named(_ name: String, in objects: [JSONValue]?) -> JSONValue? {
        objects?.first { $0["metadata"]?["name"]?.stringValue == name }
    }
}
