import Foundation
import Kube
import KvdeckTestSupport
import XCTest
import YAML
@testable import LocalCluster
import LocalClusterTestSupport

/// The demo's seed, applied through the API with the controllers running, leaves what the README
/// promises a newcomer: two tracks, a traffic split, three revisions, pods placed on GPU nodes.
final class DemoSeedTests: XCTestCase {
    func testSeedBuildsTheDemoNamespace() async throws {
        let cluster = try await RunningLocalCluster.start(namespace: nil, recordedNodes: false)
        defer { Task { await cluster.stop() } }
        let client = cluster.client

        try await DemoSeed.apply(using: client)

        let nodes = try await client.list(Node.self)
        XCTAssertEqual(Set(nodes.items.compactMap(\.gpuProduct)), ["NVIDIA-H100-80GB-HBM3", "NVIDIA-A100-SXM4-80GB"])
        XCTAssertEqual(nodes.items.map(\.gpuAllocatable).reduce(0, +), 24)

        // The third revision rolls out; wait (bounded) until the stable track is whole again.
        var stable = try await client.get(Deployment.self, name: "smollm2", namespace: DemoSeed.namespace)
        for _ in 0..<200 where !(stable.isRolloutComplete && stable.revision == 3) {
            try await Task.sleep(for: .milliseconds(50))
            stable = try await client.get(Deployment.self, name: "smollm2", namespace: DemoSeed.namespace)
        }
        XCTAssertEqual(stable.revision, 3)
        XCTAssertTrue(stable.isRolloutComplete, "\(String(describing: stable.status))")
        XCTAssertEqual(stable.metadata.annotations?["kubernetes.io/change-cause"], "tune: --max-num-seqs 128 for the evening peak")
        let sets = try await client.list(ReplicaSet.self, namespace: DemoSeed.namespace, labelSelector: "app=smollm2,track=stable")
        XCTAssertEqual(sets.items.count, 3, "one ReplicaSet per revision")

        let pods = try await client.list(Pod.self, namespace: DemoSeed.namespace, labelSelector: "app=smollm2")
        let running = pods.items.filter { $0.displayStatus == "Running" }
        XCTAssertGreaterThanOrEqual(running.count, 3, pods.items.map(\.displayStatus).joined(separator: ","))
        XCTAssertTrue(running.allSatisfy { ($0.spec?.nodeName ?? "").hasPrefix("gpu-node-") })

        let route = try await client.get(DemoSeed.httpRoute, name: "smollm2", namespace: DemoSeed.namespace)
        let weights = route["spec"]?["rules"]?[0]?["backendRefs"]?.arrayValue?.compactMap { $0["weight"]?.intValue }
        XCTAssertEqual(weights, [90, 10])
    }
}
