import Foundation
import XCTest
@testable import Kube

/// Nodes, events, access reviews, autoscalers and endpoint slices.
final class ModelClusterTests: XCTestCase {
    private func real(_ path: String) -> String { ModelFixtures.real(path) }

    func testGPUNode() throws {
        let node = try ModelFixtures.decode(Node.self, real("09-nodes-events/node-gpu-node-a.json"))
        XCTAssertEqual(node.metadata.name, "gpu-node-a")
        XCTAssertEqual(node.metadata.key, "gpu-node-a")
        XCTAssertEqual(node.gpuCapacity, 8)
        XCTAssertEqual(node.gpuAllocatable, 8)
        XCTAssertEqual(node.gpuProduct, "NVIDIA-H100-80GB-HBM3")
        XCTAssertEqual(node.gpuMemoryMiB, 81559)
        XCTAssertTrue(node.isReady)
        XCTAssertFalse(node.isUnschedulable)
        XCTAssertEqual(node.internalIP, "127.0.0.11")
        let status = try XCTUnwrap(node.status)
        XCTAssertEqual(status.capacity?["cpu"]?.int64Value, 96)
        XCTAssertEqual(status.allocatable?["cpu"]?.int64Value, 94)
        XCTAssertEqual(status.capacity?["memory"]?.int64Value, 2_113_289_076 * 1024)
        XCTAssertEqual(status.capacity?["pods"]?.int64Value, 110)
        XCTAssertEqual(status.nodeInfo?.kubeletVersion, "v1.36.2")
        XCTAssertEqual(status.nodeInfo?.containerRuntimeVersion, "containerd://1.7.0-fake")
        XCTAssertEqual(status.nodeInfo?.osImage, "Debian GNU/Linux 12 (bookworm) [fake]")
        XCTAssertEqual(status.conditions?.first(ofType: "MemoryPressure")?.reason, "KubeletHasSufficientMemory")
        XCTAssertEqual(status.conditions?.first(ofType: "Ready")?.lastHeartbeatTime, "2026-11-21T10:23:41Z")
    }

    func testNodeList() throws {
        let nodes = try ModelFixtures.items(Node.self, real("09-nodes-events/nodes.json"))
        XCTAssertEqual(nodes.compactMap(\.metadata.name), ["gpu-node-a", "gpu-node-b", "gpu-node-c"])
        XCTAssertEqual(nodes.map(\.gpuProduct), ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-80GB-HBM3", "NVIDIA-A100-SXM4-80GB"])
        XCTAssertEqual(nodes.map(\.gpuCapacity).reduce(0, +), 24)
        XCTAssertTrue(nodes.allSatisfy(\.isReady))
    }

    func testCoreEvents() throws {
        let events = try ModelFixtures.items(Event.self, real("09-nodes-events/events.json"))
        XCTAssertEqual(events.count, 72)
        XCTAssertEqual(events.filter { $0.reason == "Scheduled" }.count, 27)
        XCTAssertEqual(events.filter { $0.reason == "ScalingReplicaSet" }.count, 10)

        // Written through events.k8s.io by the scheduler: eventTime only, null core timestamps.
        let scheduled = try XCTUnwrap(events.first)
        XCTAssertEqual(scheduled.reason, "Scheduled")
        XCTAssertEqual(scheduled.involvedObject?.kind, "Pod")
        XCTAssertEqual(scheduled.involvedKey, "fixtures/vllm-qwen-57469b84b8-4vk58")
        XCTAssertNil(scheduled.firstTimestamp)
        XCTAssertEqual(scheduled.eventTime, "2026-11-21T10:20:11.832758Z")
        XCTAssertEqual(scheduled.reporter, "default-scheduler")
        XCTAssertEqual(scheduled.action, "Binding")
        let seen = try XCTUnwrap(scheduled.lastSeen)
        XCTAssertEqual(seen.timeIntervalSince1970, 1_795_256_411.832758, accuracy: 1e-5)
        XCTAssertEqual(scheduled.occurrences, 1)

        // Written through core/v1 by a controller: source and first/last timestamps.
        let created = try XCTUnwrap(events.first { $0.reason == "SuccessfulCreate" })
        XCTAssertEqual(created.source?.component, "replicaset-controller")
        XCTAssertEqual(created.reporter, "replicaset-controller")
        XCTAssertEqual(created.count, 1)
        XCTAssertEqual(created.lastSeen, created.lastTimestamp.flatMap(KubeTime.date(from:)))
    }

    func testEventsForDeploymentCountRepeats() throws {
        let events = try ModelFixtures.items(Event.self, real("09-nodes-events/events.for-deployment-vllm-qwen.json"))
        XCTAssertEqual(events.count, 10)
        XCTAssertTrue(events.allSatisfy { $0.involvedObject?.kind == "Deployment" && $0.involvedKey == "fixtures/vllm-qwen" })
        let repeated = try XCTUnwrap(events.first { $0.message == "Scaled up replica set vllm-qwen-57469b84b8 from 0 to 1" })
        XCTAssertEqual(repeated.count, 2)
        XCTAssertEqual(repeated.occurrences, 2)
        XCTAssertEqual(repeated.lastTimestamp, "2026-11-21T10:20:11Z")
    }

    func testK9sEvent() throws {
        let event = try ModelFixtures.decode(Event.self, "public-repos/k9s-event.json")
        XCTAssertEqual(event.reason, "Pulled")
        XCTAssertEqual(event.involvedObject?.fieldPath, "spec.containers{c1}")
        XCTAssertEqual(event.involvedKey, "default/hello-1567197780-mn4mv")
        XCTAssertEqual(event.reporter, "kubelet")  // reportingComponent is "" here
        XCTAssertEqual(event.source?.host, "gke-k9s-default-pool-0fa2fb89-qnkc")
        XCTAssertEqual(event.lastSeen, KubeTime.date(from: "2019-08-30T20:43:05Z"))
    }

    func testEventsV1() throws {
        let events = try ModelFixtures.items(EventsV1Event.self, real("09-nodes-events/events.events.k8s.io-v1.json"))
        XCTAssertEqual(events.count, 72)
        let first = try XCTUnwrap(events.first)
        XCTAssertEqual(first.reason, "Scheduled")
        XCTAssertEqual(first.regarding?.name, "vllm-qwen-57469b84b8-4vk58")
        XCTAssertEqual(first.note, "Successfully assigned fixtures/vllm-qwen-57469b84b8-4vk58 to gpu-node-c")
        XCTAssertEqual(first.reportingController, "default-scheduler")
        XCTAssertEqual(first.lastSeen, KubeTime.date(from: "2026-11-21T10:20:11.832758Z"))
        let controllerEvent = try XCTUnwrap(events.first { $0.reason == "SuccessfulCreate" })
        XCTAssertEqual(controllerEvent.deprecatedSource?.component, "replicaset-controller")
        XCTAssertEqual(controllerEvent.deprecatedCount, 1)
    }

    func testAccessReviews() throws {
        let denied = try ModelFixtures.decode(SelfSubjectAccessReview.self, real("10-access-reviews/ssar.patch-deployments-scale.viewer-token.response.json"))
        XCTAssertFalse(denied.isAllowed)
        XCTAssertEqual(denied.spec.resourceAttributes?.subresource, "scale")
        XCTAssertEqual(denied.spec.resourceAttributes?.name, "vllm-qwen")
        let allowed = try ModelFixtures.decode(SelfSubjectAccessReview.self, real("10-access-reviews/ssar.patch-deployments-scale.admin-token.response.json"))
        XCTAssertTrue(allowed.isAllowed)
        let proxy = try ModelFixtures.decode(SelfSubjectAccessReview.self, real("10-access-reviews/ssar.get-pods-proxy.viewer-token.response.json"))
        XCTAssertEqual(proxy.spec.resourceAttributes?.verb, "get")
        XCTAssertFalse(proxy.isAllowed)

        // The request the model builds says what the recorded request said.
        let request = SelfSubjectAccessReview(resourceAttributes: .init(
            namespace: "fixtures", verb: "patch", group: "apps", resource: "deployments", subresource: "scale",
            name: "vllm-qwen"))
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(request)) as? NSDictionary
        var recorded = try JSONSerialization.jsonObject(
            with: ModelFixtures.data(real("10-access-reviews/ssar.patch-deployments-scale.request.json"))) as? [String: Any]
        recorded?["metadata"] = [String: Any]()
        XCTAssertEqual(encoded, recorded.map { NSDictionary(dictionary: $0) })

        let viewer = try ModelFixtures.decode(SelfSubjectReview.self, real("10-access-reviews/selfsubjectreview.viewer-token.response.json"))
        XCTAssertEqual(viewer.status?.userInfo?.username, "console-viewer")
        XCTAssertEqual(viewer.status?.userInfo?.groups, ["realk8s:viewers", "system:authenticated"])
        let admin = try ModelFixtures.decode(SelfSubjectReview.self, real("10-access-reviews/selfsubjectreview.admin-client-cert.response.json"))
        XCTAssertEqual(admin.status?.userInfo?.username, "admin")
        XCTAssertEqual(admin.status?.userInfo?.extra?["authentication.kubernetes.io/credential-id"]?.first?.hasPrefix("X509SHA256="), true)
        let whoami = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SelfSubjectReview())) as? [String: Any]
        XCTAssertEqual(whoami?["apiVersion"] as? String, "authentication.k8s.io/v1")
        XCTAssertEqual(whoami?["kind"] as? String, "SelfSubjectReview")
    }

    func testAutoscalerV2Metrics() throws {
        let json = """
        {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
         "metadata":{"name":"vllm-qwen","namespace":"llm-prod"},
         "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"vllm-qwen"},
          "minReplicas":2,"maxReplicas":8,
          "metrics":[
           {"type":"Pods","pods":{"metric":{"name":"vllm:num_requests_waiting"},"target":{"type":"AverageValue","averageValue":"5"}}},
           {"type":"External","external":{"metric":{"name":"vllm_gpu_cache_usage","selector":{"matchLabels":{"model":"qwen"}}},"target":{"type":"Value","value":"800m"}}},
           {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}],
          "behavior":{"scaleDown":{"stabilizationWindowSeconds":300}}},
         "status":{"currentReplicas":3,"desiredReplicas":4,
          "currentMetrics":[{"type":"Pods","pods":{"metric":{"name":"vllm:num_requests_waiting"},"current":{"averageValue":"7500m"}}}],
          "conditions":[{"type":"ScalingActive","status":"True","reason":"ValidMetricFound"}]}}
        """
        let hpa = try JSONDecoder().decode(HorizontalPodAutoscaler.self, from: Data(json.utf8))
        XCTAssertEqual(hpa.metricNames, ["vllm:num_requests_waiting", "vllm_gpu_cache_usage", "cpu"])
        XCTAssertEqual(hpa.spec?.metrics?[1].external?.metric?.selector?.matchLabels, ["model": "qwen"])
        XCTAssertEqual(hpa.spec?.metrics?[1].external?.target?.value?.doubleValue, 0.8)
        XCTAssertEqual(hpa.spec?.metrics?[2].resource?.target?.averageUtilization, 80)
        XCTAssertEqual(hpa.status?.currentMetrics?.first?.pods?.current?.averageValue?.doubleValue, 7.5)
        XCTAssertEqual(hpa.status?.desiredReplicas, 4)
        XCTAssertEqual(hpa.status?.conditions?.first(ofType: "ScalingActive")?.reason, "ValidMetricFound")
    }

    func testEndpointSlice() throws {
        let json = """
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
         "metadata":{"name":"vllm-qwen-abcde","namespace":"fixtures","labels":{"kubernetes.io/service-name":"vllm-qwen"}},
         "addressType":"IPv4",
         "endpoints":[
          {"addresses":["127.0.1.8"],"conditions":{"ready":true,"serving":true,"terminating":false},
           "nodeName":"gpu-node-b","targetRef":{"kind":"Pod","namespace":"fixtures","name":"vllm-qwen-7f6957fc75-55cs9"}},
          {"addresses":["127.0.1.9"],"conditions":{"ready":false,"serving":true,"terminating":true}}],
         "ports":[{"name":"http","port":8000,"protocol":"TCP"}]}
        """
        let slice = try JSONDecoder().decode(EndpointSlice.self, from: Data(json.utf8))
        XCTAssertEqual(slice.serviceName, "vllm-qwen")
        XCTAssertEqual(slice.endpoints?.count, 2)
        XCTAssertEqual(slice.endpoints?.first?.targetRef?.key, "fixtures/vllm-qwen-7f6957fc75-55cs9")
        XCTAssertEqual(slice.endpoints?.last?.conditions?.terminating, true)
        XCTAssertEqual(slice.ports?.first?.port, 8000)
    }
}
