import Foundation
import Kube
import YAML

/// The ReplicaSet controller (kube-controller-manager's `replicaset-controller`): creates pods
/// from the template (`<rs>-<5 safe chars>`, controller ownerReference, template labels and
/// annotations) until the active pods match `spec.replicas`, deletes the least useful pods first
/// when there are too many (unscheduled, pending, not ready, newest), and reports status.
public struct ReplicaSetController: Reconciler {
    let client: KubeClient
    let clock: ControllerClock
    let events: EventRecorder
    public var name: String { "replicaset-controller" }
    /// As the real controller's burst limit: at most this many pod creations or deletions per pass.
    static let burst = 500

    init(client: KubeClient, clock: ControllerClock) {
        self.client = client
        self.clock = clock
        self.events = EventRecorder(client: client, component: "replicaset-controller", reportingInstance: nil, clock: clock)
    }

    func reconcile() async throws -> Duration? {
        let sets = try await client.listAll(APITypes.replicaSets).items
        let pods = try await client.listAll(APITypes.pods).items
        var podsByOwner: [String: [JSONValue]] = [:]
        for pod in pods { if let owner = pod.controllerUID { podsByOwner[owner, default: []].append(pod) } }
        var requeue: Duration?
        for rs in sets where !rs.isDeleting {
            do {
                if let wait = try await sync(rs, pods: podsByOwner[rs.uid] ?? []) { requeue = min(requeue ?? wait, wait) }
            } catch let error as KubeAPIError where error.isConflict || error.code == 404 {
                requeue = .milliseconds(50)
            }
        }
        return requeue
    }

    private func sync(_ rs: JSONValue, pods owned: [JSONValue]) async throws -> Duration? {
        let active = owned.filter(Self.isActive)
        let desired = Int(rs["spec"]?["replicas"]?.intValue ?? 1)
        var current = active
        let diff = active.count - desired
        if diff < 0 {
            for _ in 0..<min(-diff, Self.burst) {
                let pod = try await createPod(for: rs)
                current.append(pod)
            }
        } else if diff > 0 {
            let victims = active.sorted(by: Self.deletionOrder).prefix(min(diff, Self.burst))
            for pod in victims {
                do {
                    try await client.delete(APITypes.pods, name: pod.name, namespace: pod.namespace)
                } catch let error as KubeAPIError where error.code == 404 {}
                await events.record(rs, kind: "ReplicaSet", apiVersion: "apps/v1", reason: "SuccessfulDelete",
                                    message: "Deleted pod: \(pod.name)")
                current.removeAll { $0.uid == pod.uid }
            }
        }
        return try await updateStatus(rs, active: current, terminating: owned.filter(\.isDeleting).count)
    }

    private func createPod(for rs: JSONValue) async throws -> JSONValue {
        let template = rs["spec"]?["template"] ?? .object(JSONObject())
        let prefix = "\(rs.name)-"
        while true {
            var metadata: JSONValue = ["name": .string(prefix + PodTemplateHash.randomSuffix()), "generateName": .string(prefix),
                                       "namespace": .string(rs.namespace)]
            if let labels = template["metadata"]?["labels"] { metadata["labels"] = labels }
            if let annotations = template["metadata"]?["annotations"] { metadata["annotations"] = annotations }
            metadata["ownerReferences"] = [rs.controllerReference(apiVersion: "apps/v1", kind: "ReplicaSet")]
            let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                                  "spec": template["spec"] ?? .object(JSONObject())]
            do {
                let created = try await client.create(APITypes.pods, namespace: rs.namespace, body: pod)
                await events.record(rs, kind: "ReplicaSet", apiVersion: "apps/v1", reason: "SuccessfulCreate",
                                    message: "Created pod: \(created.name)")
                return created
            } catch let error as KubeAPIError where error.code == 409 {
                continue  // a name clash with the random suffix: draw again
            }
        }
    }

    /// Writes status when it changed. Returns when to look again for pods that become
    /// available after `minReadySeconds`.
    private func updateStatus(_ rs: JSONValue, active: [JSONValue], terminating: Int) async throws -> Duration? {
        let minReady = Double(rs["spec"]?["minReadySeconds"]?.intValue ?? 0)
        let now = clock.now()
        let templateLabels = JSONValue.stringMap(rs["spec"]?["template"]?["metadata"]?["labels"])
        var ready = 0, available = 0, fullyLabeled = 0
        var wait: Duration?
        for pod in active {
            let labels = pod.labels
            if templateLabels.allSatisfy({ labels[$0.key] == $0.value }) { fullyLabeled += 1 }
            guard let since = Self.readySince(pod) else { continue }
            ready += 1
            let left = since.addingTimeInterval(minReady).timeIntervalSince(now)
            if left <= 0 { available += 1 } else { wait = min(wait ?? .seconds(left), .seconds(left)) }
        }
        var status = JSONObject()
        status["replicas"] = .int(Int64(active.count))
        if fullyLabeled > 0 { status["fullyLabeledReplicas"] = .int(Int64(fullyLabeled)) }
        if ready > 0 { status["readyReplicas"] = .int(Int64(ready)) }
        if available > 0 { status["availableReplicas"] = .int(Int64(available)) }
        status["terminatingReplicas"] = .int(Int64(terminating))
        status["observedGeneration"] = .int(rs.generation)
        if let conditions = rs["status"]?["conditions"] { status["conditions"] = conditions }
        if rs["status"] != .object(status) {
            var updated = rs
            updated["status"] = .object(status)
            _ = try await client.replace(APITypes.replicaSets, name: rs.name, namespace: rs.namespace, subresource: "status", body: updated)
        }
        return wait
    }

    static func isActive(_ pod: JSONValue) -> Bool {
        let phase = pod["status"]?["phase"]?.stringValue
        return phase != "Succeeded" && phase != "Failed" && !pod.isDeleting
    }

    /// When the pod's Ready condition turned True, if it is ready.
    static func readySince(_ pod: JSONValue) -> Date? {
        guard let ready = pod["status"]?["conditions"]?.arrayValue?.first(where: { $0["type"]?.stringValue == "Ready" }),
              ready["status"]?.stringValue == "True" else { return nil }
        return APITime.parse(ready["lastTransitionTime"]?.stringValue) ?? .distantPast
    }

    /// controller.ActivePods' order: the pod to delete first sorts first.
    static func deletionOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
        let assignedA = a["spec"]?["nodeName"]?.stringValue.map { !$0.isEmpty } ?? false
        let assignedB = b["spec"]?["nodeName"]?.stringValue.map { !$0.isEmpty } ?? false
        if assignedA != assignedB { return !assignedA }
        func phaseRank(_ p: JSONValue) -> Int {
            switch p["status"]?["phase"]?.stringValue { case "Pending": return 0; case "Running": return 2; default: return 1 }
        }
        if phaseRank(a) != phaseRank(b) { return phaseRank(a) < phaseRank(b) }
        let readyA = readySince(a) != nil, readyB = readySince(b) != nil
        if readyA != readyB { return !readyA }
        // Newer pods go first.
        if a.creationTimestamp != b.creationTimestamp { return a.creationTimestamp > b.creationTimestamp }
        return a.name > b.name
    }
}
