import Foundation
import Kube
import YAML

/// The disruption controller (kube-controller-manager's `disruption-controller`), for its status
/// only (there is no eviction API here): for each PodDisruptionBudget, the pods its selector
/// matches in its namespace, then `expectedPods`, `desiredHealthy`, `currentHealthy`,
/// `disruptionsAllowed` and the `DisruptionAllowed` condition, computed as the real controller's
/// getExpectedPodCount and updatePdbStatus compute them:
/// - `minAvailable` as a number: desired is that number, expected the matching pods.
/// - `maxUnavailable`, or `minAvailable` as a percentage: expected is the sum of the scales of the
///   pods' controllers (a Deployment through its ReplicaSet, a StatefulSet, a bare ReplicaSet);
///   percentages round up. A matching pod without a controller fails the sync, as for real
///   (`SyncFailed`, no disruptions allowed).
/// - healthy means Ready and not terminating; allowed is healthy minus desired, at least 0.
struct DisruptionBudgetController: Reconciler {
    let client: KubeClient
    let clock: ControllerClock
    var name: String { "disruption-controller" }

    static let budgets = DisruptionBudgetMetadata.resourceType

    func reconcile() async throws -> Duration? {
        let budgets = try await client.listAll(Self.budgets).items
        guard !budgets.isEmpty else { return nil }
        let pods = try await client.listAll(APITypes.pods).items
        let owners = Owners(
            replicaSets: try await client.listAll(APITypes.replicaSets).items,
            deployments: try await client.listAll(APITypes.deployments).items,
            statefulSets: try await client.listAll(APITypes.statefulSets).items)
        var requeue: Duration?
        for budget in budgets where !budget.isDeleting {
            let selected = pods.filter { $0.namespace == budget.namespace && SelectorMatch.matches(budget["spec"]?["selector"], labels: $0.labels) }
            let status = Self.status(of: budget, pods: selected, owners: owners, now: clock.now())
            guard budget["status"] != status else { continue }
            var updated = budget
            updated["status"] = status
            do {
                _ = try await client.replace(Self.budgets, name: budget.name, namespace: budget.namespace, subresource: "status", body: updated)
            } catch let error as KubeAPIError where error.isConflict || error.code == 404 {
                requeue = .milliseconds(50)
            }
        }
        return requeue
    }

    /// The controllers whose scale gives a budget's expected pod count.
    struct Owners {
        var byUID: [String: JSONValue] = [:]

        init(replicaSets: [JSONValue], deployments: [JSONValue], statefulSets: [JSONValue]) {
            for object in replicaSets + deployments + statefulSets { byUID[object.uid] = object }
        }

        /// The uid and scale of the controller that sets the pod's count: the Deployment above a
        /// ReplicaSet if there is one, else the ReplicaSet or StatefulSet itself.
        func scale(of pod: JSONValue) -> (uid: String, replicas: Int64)? {
            guard let ownerUID = pod.controllerUID, var owner = byUID[ownerUID] else { return nil }
            if let above = owner.controllerUID, let deployment = byUID[above] { owner = deployment }
            return (owner.uid, owner["spec"]?["replicas"]?.intValue ?? 1)
        }
    }

    static func status(of budget: JSONValue, pods: [JSONValue], owners: Owners, now: Date) -> JSONValue {
        let spec = budget["spec"]
        let healthy = Int64(pods.filter { !$0.isDeleting && ReplicaSetController.readySince($0) != nil }.count)
        var expected: Int64 = 0, desired: Int64 = 0
        var failure: String?
        func expectedScale() -> Int64 {
            var scales: [String: Int64] = [:]
            for pod in pods {
                guard let scale = owners.scale(of: pod) else {
                    failure = failure ?? "found no controllers for pod \"\(pod.name)\""
                    continue
                }
                scales[scale.uid] = scale.replicas
            }
            return scales.values.reduce(0, +)
        }
        if let maxUnavailable = spec?["maxUnavailable"], !maxUnavailable.isNull {
            expected = expectedScale()
            desired = max(0, expected - scaled(maxUnavailable, of: expected))
        } else if let minAvailable = spec?["minAvailable"], !minAvailable.isNull {
            if let number = minAvailable.intValue {
                desired = number
                expected = Int64(pods.count)
            } else {
                expected = expectedScale()
                desired = scaled(minAvailable, of: expected)
            }
        }
        let allowed = failure == nil ? max(0, healthy - desired) : 0
        var status = JSONObject()
        status["observedGeneration"] = .int(budget.generation)
        status["disruptionsAllowed"] = .int(allowed)
        status["currentHealthy"] = .int(healthy)
        status["desiredHealthy"] = .int(desired)
        status["expectedPods"] = .int(expected)
        let (conditionStatus, reason, message): (String, String, String) = if let failure {
            ("False", "SyncFailed", failure)
        } else if allowed > 0 {
            ("True", "SufficientPods", "")
        } else {
            ("False", "InsufficientPods", "")
        }
        let previous = budget["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "DisruptionAllowed" }
        // The transition time moves only when the condition's status does.
        let since = previous?["status"]?.stringValue == conditionStatus
            ? previous?["lastTransitionTime"] ?? .string(ObjectStore.timestamp(now)) : .string(ObjectStore.timestamp(now))
        status["conditions"] = [["type": "DisruptionAllowed", "status": .string(conditionStatus),
                                 "observedGeneration": .int(budget.generation), "lastTransitionTime": since,
                                 "reason": .string(reason), "message": .string(message)]]
        return .object(status)
    }

    /// An IntOrString against a total: a number as it is, a percentage of the total rounded up
    /// (intstr.GetScaledValueFromIntOrPercent with roundUp, as the controller calls it).
    static func scaled(_ value: JSONValue, of total: Int64) -> Int64 {
        if let number = value.intValue { return number }
        guard let text = value.stringValue, text.hasSuffix("%"), let percent = Int64(text.dropLast()) else { return 0 }
        return (percent * total + 99) / 100
    }
}

/// PodDisruptionBudgets as the controller manager's informer needs them: only their metadata, to
/// wake the controllers on a change (the controller reads the objects unstructured).
struct DisruptionBudgetMetadata: KubeResource {
    static let resourceType = ResourceType(group: "policy", version: "v1", resource: "poddisruptionbudgets",
                                           kind: "PodDisruptionBudget", namespaced: true)
    var metadata: ObjectMeta
}
