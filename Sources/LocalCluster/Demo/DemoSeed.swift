import Foundation
import Kube
import YAML

/// What a newcomer sees in `kvdeck demo`: a namespace serving the default model with a stable
/// track of two replicas, a canary track, an HTTPRoute splitting traffic between them, and three
/// revisions of rollout history, on GPU nodes of two products.
///
/// The pods run `kvdeck serve` on the default model: with `EmbeddedCluster`'s engine pods, the
/// engine of this binary in process; without, stand-in servers.
public enum DemoSeed {
    public static let namespace = "llm-prod"

    /// Creates the seed objects through the API (so controllers see ordinary creates), then makes
    /// the rollout history by changing the stable template twice, waiting for each revision.
    public static func apply(using client: KubeClient, revisionWait: Duration = .seconds(20)) async throws {
        for document in try YAML.parseDocuments(manifests) where !document.isNull {
            guard let kind = document["kind"]?.stringValue, let type = resourceType(kind) else {
                throw DemoSeedError(message: "seed document without a known kind: \(document["kind"]?.stringValue ?? "none")")
            }
            let namespace = type.namespaced ? (document["metadata"]?["namespace"]?.stringValue ?? Self.namespace) : nil
            let created = try await client.create(type, namespace: namespace, body: document)
            if kind == "Node", let status = document["status"] {
                // Status is the kubelet's to report: the API ignores it on create, as the real one does.
                var withStatus = created
                withStatus["status"] = status
                _ = try await client.replace(type, name: created["metadata"]?["name"]?.stringValue ?? "",
                                             subresource: "status", body: withStatus)
            }
        }
        let changes = [("96", "tune: --max-num-seqs 96"), ("128", "tune: --max-num-seqs 128 for the evening peak")]
        for (revision, (maxSeqs, cause)) in changes.enumerated() {
            // Revision N must exist before the next change, or the controller would see only the last template.
            try await waitForReplicaSets(client, count: revision + 1, timeout: revisionWait)
            let patch: JSONValue = [
                "metadata": ["annotations": ["kubernetes.io/change-cause": .string(cause)]],
                "spec": ["template": ["spec": ["containers": [[
                    "name": "engine",
                    "args": ["--served-model-name", "smollm2", "--port", "8000", "--max-num-seqs", .string(maxSeqs)],
                ]]]]],
            ]
            _ = try await client.patch(Deployment.resourceType, name: "smollm2", namespace: Self.namespace,
                                       patch: patch.jsonData(), type: .strategicMerge)
        }
    }

    /// Waits until the stable track has `count` ReplicaSets, so each template change becomes its own revision.
    private static func waitForReplicaSets(_ client: KubeClient, count: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let sets = try await client.list(ReplicaSet.self, namespace: namespace, labelSelector: "app=smollm2,track=stable")
            if sets.items.count >= count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoSeedError(message: "the deployment controller did not create revision \(count) of smollm2 within \(timeout)")
    }

    static func resourceType(_ kind: String) -> ResourceType? {
        [Namespace.resourceType, Node.resourceType, Deployment.resourceType, Service.resourceType, httpRoute]
            .first { $0.kind == kind }
    }

    /// Gateway API's HTTPRoute, stored as an unstructured object.
    public static let httpRoute = ResourceType(group: "gateway.networking.k8s.io", version: "v1", resource: "httproutes",
                                               kind: "HTTPRoute", namespaced: true)

    static let manifests = """
    apiVersion: v1
    kind: Namespace
    metadata:
      name: llm-prod
    ---
    \(node("gpu-node-a", product: "NVIDIA-H100-80GB-HBM3", memoryMiB: 81559))
    ---
    \(node("gpu-node-b", product: "NVIDIA-H100-80GB-HBM3", memoryMiB: 81559))
    ---
    \(node("gpu-node-c", product: "NVIDIA-A100-SXM4-80GB", memoryMiB: 81920))
    ---
    \(deployment("smollm2", track: "stable", replicas: 2, extraArgs: []))
    ---
    \(deployment("smollm2-canary", track: "canary", replicas: 1, extraArgs: ["--enable-prefix-caching"]))
    ---
    \(service("smollm2-stable", track: "stable"))
    ---
    \(service("smollm2-canary", track: "canary"))
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata:
      name: smollm2
      namespace: llm-prod
    spec:
      parentRefs:
      - name: inference-gateway
      rules:
      - backendRefs:
        - name: smollm2-stable
          port: 8000
          weight: 90
        - name: smollm2-canary
          port: 8000
          weight: 10
    """

    static func node(_ name: String, product: String, memoryMiB: Int) -> String {
        """
        apiVersion: v1
        kind: Node
        metadata:
          name: \(name)
          labels:
            kubernetes.io/hostname: \(name)
            nvidia.com/gpu.product: \(product)
            nvidia.com/gpu.memory: "\(memoryMiB)"
            nvidia.com/gpu.count: "8"
        status:
          capacity: {cpu: "64", memory: 1056Gi, nvidia.com/gpu: "8", pods: "110"}
          allocatable: {cpu: "63", memory: 1040Gi, nvidia.com/gpu: "8", pods: "110"}
          conditions:
          - {type: Ready, status: "True", reason: KubeletReady, message: kvdeck local cluster node is ready}
          nodeInfo: {kubeletVersion: v1.36.2-kvdeck, containerRuntimeVersion: kvdeck://local, osImage: kvdeck local cluster,
                     architecture: amd64, operatingSystem: linux}
        """
    }

    static func deployment(_ name: String, track: String, replicas: Int, extraArgs: [String]) -> String {
        let args = (["--served-model-name", "smollm2", "--port", "8000"] + extraArgs).map { "\"\($0)\"" }.joined(separator: ", ")
        return """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(name)
          namespace: llm-prod
          labels: {app: smollm2, track: \(track)}
          annotations:
            kubernetes.io/change-cause: initial rollout of SmolLM2-135M-Instruct
        spec:
          replicas: \(replicas)
          selector:
            matchLabels: {app: smollm2, track: \(track)}
          template:
            metadata:
              labels: {app: smollm2, track: \(track)}
              annotations: {prometheus.io/scrape: "true", prometheus.io/port: "8000", prometheus.io/path: /metrics}
            spec:
              containers:
              - name: engine
                image: ghcr.io/kvdeck/kvdeck:0.1.0
                command: [kvdeck, serve, /models/SmolLM2-135M-Instruct.Q4_1.gguf]
                args: [\(args)]
                ports:
                - {name: http, containerPort: 8000}
                readinessProbe:
                  httpGet: {path: /health, port: 8000}
                resources:
                  limits: {nvidia.com/gpu: "1"}
                  requests: {nvidia.com/gpu: "1", cpu: "2", memory: 8Gi}
        """
    }

    static func service(_ name: String, track: String) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: \(name)
          namespace: llm-prod
        spec:
          selector: {app: smollm2, track: \(track)}
          ports:
          - {name: http, port: 8000, targetPort: 8000}
        """
    }
}

public struct DemoSeedError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
