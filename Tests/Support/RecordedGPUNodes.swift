import Foundation
import Kube
import YAML

/// The recorded real cluster's three GPU nodes (`09-nodes-events/nodes.json`), created in a
/// cluster with their status (capacity, allocatable GPUs, Ready), which the API takes only
/// through the status subresource, as the kubelet reports it.
public enum RecordedGPUNodes {
    public static func create(using client: KubeClient) async throws {
        let nodes = try JSONValue(json: Data(contentsOf: SharedFixtures.realAPIServer.appendingPathComponent("09-nodes-events/nodes.json")))
        for var node in nodes["items"]?.arrayValue ?? [] {
            for key in ["uid", "resourceVersion", "creationTimestamp", "managedFields"] { node["metadata"]?[key] = nil }
            node["apiVersion"] = "v1"
            node["kind"] = "Node"
            var created = try await client.create(Node.resourceType, body: node)
            created["status"] = node["status"]
            _ = try await client.replace(Node.resourceType, name: node["metadata"]?["name"]?.stringValue ?? "", subresource: "status", body: created)
        }
    }
}
