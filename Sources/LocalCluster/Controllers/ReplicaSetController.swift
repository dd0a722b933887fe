import Foundation
import Kube
import YAML

/// The ReplicaSet controller (kube-controller-manager's `replicaset-controller`): creates pods
/// from the template (`<rs>-<5 safe chars>`, controller ownerReference, template labels and
/// annotations) until the active pods match `spec.replicas`, deletes the least useful pods first
/// when there are too many (the real controller's ranking, `deletionOrder`), and reports status.
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
        // "Related" pods, for the scale-down ranking: those of every ReplicaSet with the same
        // owner (a Deployment's old and new sets), as getIndirectlyRelatedPods gathers them.
        var setsByOwner: [String: [String]] = [:]
        for rs in sets { if let owner = rs.controllerUID { setsByOwner[owner, default: []].append(rs.uid) } }
        for rs in sets where !rs.isDeleting {
            let siblings = rs.controllerUID.flatMap { setsByOwner[$0] } ?? [rs.uid]
            let related = siblings.flatMap { podsByOwner[$0] ?? [] }.filter(Self.isActive)
            do {
                if let wait = try await sync(rs, pods: podsByOwner[rs.uid] ?? [], related: related) { requeue = min(requeue ?? wait, wait) }
            } catch let error as KubeAPIError where error.isConflict || error.code == 404 {
                requeue = .milliseconds(50)
            }
        }
        return requeue
    }

    private func sync(_ rs: JSONValue, pods owned: [JSONValue], related: [JSONValue]) async throws -> Duration? {
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
            var onNode: [String: Int] = [:]
            for pod in related { if let node = pod["spec"]?["nodeName"]?.stringValue, !node.isEmpty { onNode[node, default: 0] += 1 } }
            let order = Self.deletionOrder(relatedOnNode: onNode, now: clock.now())
            let victims = active.sorted(by: order).prefix(min(diff, Self.burst))
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

    /// controller.ActivePodsWithRanks' order, the pod to delete first sorting first: unassigned,
    /// pending, not ready, lower pod-deletion-cost, more related pods on the same node, ready for
    /// less time, more restarts, newer — the times compared on the logarithmic scale of the
    /// LogarithmicScaleDown feature (on by default), ties broken by uid.
    static func deletionOrder(relatedOnNode: [String: Int], now: Date) -> (JSONValue, JSONValue) -> Bool {
        { a, b in
            let nodeA = a["spec"]?["nodeName"]?.stringValue ?? "", nodeB = b["spec"]?["nodeName"]?.stringValue ?? ""
            if nodeA.isEmpty != nodeB.isEmpty { return nodeA.isEmpty }
            func phaseRank(_ p: JSONValue) -> Int {
                switch p["status"]?["phase"]?.stringValue { case "Pending": return 0; case "Running": return 2; default: return 1 }
            }
            if phaseRank(a) != phaseRank(b) { return phaseRank(a) < phaseRank(b) }
            let readyA = readySince(a), readyB = readySince(b)
            if (readyA != nil) != (readyB != nil) { return readyA == nil }
            let costA = deletionCost(a), costB = deletionCost(b)
            if costA != costB { return costA < costB }
            let rankA = relatedOnNode[nodeA] ?? 0, rankB = relatedOnNode[nodeB] ?? 0
            if rankA != rankB { return rankA > rankB }
            if let readyA, let readyB, readyA != readyB {
                let diff = logarithmicRankDiff(readyA, readyB, now: now)
                return diff == 0 ? a.uid < b.uid : diff < 0
            }
            let restartsA = maxRestarts(a), restartsB = maxRestarts(b)
            if restartsA != restartsB { return restartsA > restartsB }
            let createdA = APITime.parse(a.creationTimestamp), createdB = APITime.parse(b.creationTimestamp)
            if let createdA, let createdB, createdA != createdB {
                let diff = logarithmicRankDiff(createdA, createdB, now: now)
                return diff == 0 ? a.uid < b.uid : diff < 0
            }
            return a.uid < b.uid
        }
    }

    /// floor(log2(age in ns)) of each time, compared: pods whose ages are within a factor of two
    /// count as the same age.
    static func logarithmicRankDiff(_ t1: Date, _ t2: Date, now: Date) -> Int {
        func rank(_ t: Date) -> Int {
            let ns = now.timeIntervalSince(t) * 1e9
            return ns > 0 ? Int(log2(ns)) : -1
        }
        return rank(t1) - rank(t2)
    }

    static func deletionCost(_ pod: JSONValue) -> Int {
        Int(pod["metadata"]?["annotations"]?["controller.kubernetes.io/pod-deletion-cost"]?.stringValue ?? "") ?? 0
    }

    static func maxRestarts(_ pod: JSONValue) -> Int64 {
        (pod["status"]?["containerStatuses"]?.arrayValue ?? []).map { $0["restartCount"]?.intValue ?? 0 }.max() ?? 0
    }
}
