import Foundation
import Kube
import YAML

/// The StatefulSet controller (kube-controller-manager's `statefulset-controller`), following
/// pkg/controller/statefulset: the history as ControllerRevisions (see
/// `ControllerRevisionHistory`; an identical older revision is brought back with the next revision
/// number rather than copied), pods `<set>-0…N-1` labelled with their revision
/// (`controller-revision-hash`), ordinal and name, created in order and each only once the one
/// before is Running and Ready (OrderedReady; Parallel does not wait), scale-down from the highest
/// ordinal, RollingUpdate from the highest ordinal down to the partition one pod at a time
/// (OnDelete leaves pods alone), status with current/update revisions and counts, and history
/// beyond `revisionHistoryLimit` removed.
///
/// Not modelled: volumeClaimTemplates (no PersistentVolumeClaims), `maxUnavailable` above 1,
/// `ordinals.start`, adoption of orphaned pods and revisions, and updating a pod's identity
/// labels in place.
public struct StatefulSetController: Reconciler {
    let client: KubeClient
    let clock: ControllerClock
    let events: EventRecorder
    public var name: String { "statefulset-controller" }

    static let revisionLabel = "controller-revision-hash"
    static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    static let podIndexLabel = "apps.kubernetes.io/pod-index"

    init(client: KubeClient, clock: ControllerClock) {
        self.client = client
        self.clock = clock
        self.events = EventRecorder(client: client, component: "statefulset-controller", reportingInstance: nil, clock: clock)
    }

    func reconcile() async throws -> Duration? {
        let sets = try await client.listAll(APITypes.statefulSets).items
        guard !sets.isEmpty else { return nil }
        let pods = try await client.listAll(APITypes.pods).items
        let revisions = try await client.listAll(APITypes.controllerRevisions).items
        var podsByOwner: [String: [JSONValue]] = [:]
        for pod in pods { if let owner = pod.controllerUID { podsByOwner[owner, default: []].append(pod) } }
        var revisionsByOwner: [String: [JSONValue]] = [:]
        for revision in revisions where !revision.isDeleting {
            if let owner = revision.controllerUID { revisionsByOwner[owner, default: []].append(revision) }
        }
        var requeue: Duration?
        for set in sets where !set.isDeleting {
            do {
                if let wait = try await sync(set, pods: podsByOwner[set.uid] ?? [], revisions: revisionsByOwner[set.uid] ?? []) {
                    requeue = min(requeue ?? wait, wait)
                }
            } catch let error as KubeAPIError where error.isConflict || error.code == 404 || error.code == 409 {
                requeue = .milliseconds(50)
            }
        }
        return requeue
    }

    // MARK: - sync

    private func sync(_ set: JSONValue, pods: [JSONValue], revisions: [JSONValue]) async throws -> Duration? {
        let revisions = ControllerRevisionHistory.sorted(revisions)
        var collisionCount = set["status"]?["collisionCount"]?.intValue ?? 0
        let (current, update) = try await syncRevisions(set, revisions, collisionCount: &collisionCount)
        var (status, wait) = try await updatePods(set, pods: pods, current: current, update: update)
        status.collisionCount = collisionCount
        try await writeStatus(set, status)
        try await truncateHistory(set, pods: pods, revisions: revisions, current: current, update: update)
        return wait
    }

    /// getStatefulSetRevisions: the revision for the current template (reused if it is the
    /// latest, renumbered if it is an older one, created otherwise), and the revision the status
    /// names current (the update revision when there is none yet).
    private func syncRevisions(_ set: JSONValue, _ revisions: [JSONValue],
                               collisionCount: inout Int64) async throws -> (current: JSONValue, update: JSONValue) {
        let next = (revisions.last.map(ControllerRevisionHistory.revisionNumber) ?? 0) + 1
        var candidate = ControllerRevisionHistory.make(owner: set, ownerKind: "StatefulSet", template: set["spec"]?["template"],
                                                       revision: next, collisionCount: collisionCount)
        let equals = revisions.filter { ControllerRevisionHistory.equal($0, candidate) }
        let update: JSONValue
        if let lastEqual = equals.last, let last = revisions.last, last.name == lastEqual.name {
            update = last
        } else if var lastEqual = equals.last {
            lastEqual["revision"] = .int(next)
            update = try await client.replace(APITypes.controllerRevisions, name: lastEqual.name, namespace: lastEqual.namespace,
                                              body: lastEqual)
        } else {
            // history.CreateControllerRevision: a name taken by other data bumps the collision count.
            while true {
                do {
                    update = try await client.create(APITypes.controllerRevisions, namespace: set.namespace, body: candidate)
                    break
                } catch let error as KubeAPIError where error.code == 409 {
                    let existing = try await client.get(APITypes.controllerRevisions, name: candidate.name, namespace: set.namespace)
                    if ControllerRevisionHistory.equal(existing, candidate) { update = existing; break }
                    collisionCount += 1
                    candidate = ControllerRevisionHistory.make(owner: set, ownerKind: "StatefulSet", template: set["spec"]?["template"],
                                                               revision: next, collisionCount: collisionCount)
                }
            }
        }
        let currentName = set["status"]?["currentRevision"]?.stringValue
        let current = revisions.first { $0.name == currentName } ?? update
        return (current, update)
    }

    /// The counts the controller reports, in the order the real server writes them.
    struct Status {
        var replicas = 0, ready = 0, available = 0, current = 0, updated = 0
        var currentRevision = "", updateRevision = ""
        var collisionCount: Int64 = 0
    }

    /// updateStatefulSet: at most one step per pass under OrderedReady (create the lowest missing
    /// ordinal, delete the highest condemned or out-of-date one), waiting whenever a pod on the
    /// way is not Running and Ready.
    private func updatePods(_ set: JSONValue, pods: [JSONValue], current: JSONValue,
                            update: JSONValue) async throws -> (Status, Duration?) {
        let replicaCount = Int(set["spec"]?["replicas"]?.intValue ?? 1)
        let monotonic = (set["spec"]?["podManagementPolicy"]?.stringValue ?? "OrderedReady") != "Parallel"
        let minReady = Double(set["spec"]?["minReadySeconds"]?.intValue ?? 0)
        let now = clock.now()
        var wait: Duration?

        var status = Status(currentRevision: current.name, updateRevision: update.name)
        for pod in pods {
            status.replicas += 1
            if Self.isRunningAndReady(pod) {
                status.ready += 1
                if let left = availableIn(pod, minReady: minReady, now: now) {
                    if left <= 0 { status.available += 1 } else { wait = min(wait ?? .seconds(left), .seconds(left)) }
                }
            }
            if !pod.isDeleting {
                let revision = pod.labels[Self.revisionLabel]
                if revision == current.name { status.current += 1 }
                if revision == update.name { status.updated += 1 }
            }
        }

        var replicas = [JSONValue?](repeating: nil, count: max(replicaCount, 0))
        var condemned: [(Int, JSONValue)] = []
        for pod in pods {
            guard let ordinal = Self.ordinal(of: pod, in: set) else { continue }
            if ordinal < replicaCount { replicas[ordinal] = pod } else { condemned.append((ordinal, pod)) }
        }
        condemned.sort { $0.0 < $1.0 }
        func healthy(_ pod: JSONValue) -> Bool {
            Self.isRunningAndReady(pod) && (availableIn(pod, minReady: minReady, now: now) ?? 1) <= 0 && !pod.isDeleting
        }

        for ordinal in replicas.indices {
            guard let pod = replicas[ordinal] else {
                let created = try await createPod(set, ordinal: ordinal, current: current, update: update)
                status.replicas += 1
                if created.labels[Self.revisionLabel] == current.name { status.current += 1 }
                if created.labels[Self.revisionLabel] == update.name { status.updated += 1 }
                if monotonic { return (status, wait) }
                continue
            }
            let phase = pod["status"]?["phase"]?.stringValue
            if (phase == "Failed" || phase == "Succeeded") && !pod.isDeleting {
                // Replaced on a later pass, once it is gone.
                try await deletePod(set, pod)
                if monotonic { return (status, wait) }
                continue
            }
            if pod.isDeleting {
                if monotonic { return (status, wait) }
                continue
            }
            if monotonic && !healthy(pod) { return (status, wait) }
        }

        let firstUnhealthy = condemned.first { !healthy($0.1) }?.1
        for (_, pod) in condemned.reversed() {
            if pod.isDeleting {
                if monotonic { return (status, wait) }
                continue
            }
            if monotonic && !healthy(pod) && pod.uid != firstUnhealthy?.uid { return (status, wait) }
            try await deletePod(set, pod)
            if pod.labels[Self.revisionLabel] == current.name { status.current -= 1 }
            if pod.labels[Self.revisionLabel] == update.name { status.updated -= 1 }
            if monotonic { return (status, wait) }
        }

        guard Self.isRollingUpdate(set) else { return (status, wait) }
        let partition = Int(set["spec"]?["updateStrategy"]?["rollingUpdate"]?["partition"]?.intValue ?? 0)
        var target = replicas.count - 1
        while target >= max(partition, 0) {
            if let pod = replicas[target] {
                if pod.labels[Self.revisionLabel] != update.name && !pod.isDeleting {
                    try await deletePod(set, pod)
                    status.current -= 1
                    return (status, wait)
                }
                if !healthy(pod) { return (status, wait) }
            }
            target -= 1
        }
        return (status, wait)
    }

    /// newVersionedStatefulSetPod: ordinals below the partition (or, without a rollingUpdate
    /// block, below the stored currentReplicas) get the current revision; the rest the update one.
    private func createPod(_ set: JSONValue, ordinal: Int, current: JSONValue, update: JSONValue) async throws -> JSONValue {
        let strategy = set["spec"]?["updateStrategy"]
        let rollingUpdate = strategy?["rollingUpdate"].flatMap { $0.isNull ? nil : $0 }
        let storedCurrent = Int(set["status"]?["currentReplicas"]?.intValue ?? 0)
        let partition = Int(rollingUpdate?["partition"]?.intValue ?? 0)
        // Go's precedence, kept: (rolling && no rollingUpdate && below currentReplicas) || (rollingUpdate && below partition).
        let useCurrent = (Self.isRollingUpdate(set) && rollingUpdate == nil && ordinal < storedCurrent)
            || (rollingUpdate != nil && ordinal < partition)
        let revision = useCurrent ? current : update
        let template = ControllerRevisionHistory.template(of: revision)
        let podName = "\(set.name)-\(ordinal)"
        var labels = JSONValue.stringMap(template["metadata"]?["labels"])
        labels[Self.podNameLabel] = podName
        labels[Self.podIndexLabel] = String(ordinal)
        labels[Self.revisionLabel] = revision.name
        var metadata: JSONValue = ["name": .string(podName), "generateName": .string("\(set.name)-"),
                                   "namespace": .string(set.namespace), "labels": JSONValue.fromMap(labels)]
        if let annotations = template["metadata"]?["annotations"] { metadata["annotations"] = annotations }
        metadata["ownerReferences"] = [set.controllerReference(apiVersion: "apps/v1", kind: "StatefulSet")]
        var spec = template["spec"] ?? .object(JSONObject())
        spec["hostname"] = .string(podName)
        if let service = set["spec"]?["serviceName"]?.stringValue, !service.isEmpty { spec["subdomain"] = .string(service) }
        let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec]
        do {
            let created = try await client.create(APITypes.pods, namespace: set.namespace, body: pod)
            await events.record(set, kind: "StatefulSet", apiVersion: "apps/v1", reason: "SuccessfulCreate",
                                message: "Create Pod \(podName) in StatefulSet \(set.name) successful")
            return created
        } catch {
            await events.record(set, kind: "StatefulSet", apiVersion: "apps/v1", type: "Warning", reason: "FailedCreate",
                                message: "Create Pod \(podName) in StatefulSet \(set.name) failed error: \(error)")
            throw error
        }
    }

    private func deletePod(_ set: JSONValue, _ pod: JSONValue) async throws {
        do {
            try await client.delete(APITypes.pods, name: pod.name, namespace: pod.namespace,
                                    preconditions: DeletePreconditions(uid: pod.uid))
        } catch let error as KubeAPIError where error.code == 404 {
            return
        }
        await events.record(set, kind: "StatefulSet", apiVersion: "apps/v1", reason: "SuccessfulDelete",
                            message: "Delete Pod \(pod.name) in StatefulSet \(set.name) successful")
    }

    // MARK: - Status and history

    /// updateStatefulSetStatus: completes a rolling update once every pod is updated and ready,
    /// then writes the status if it changed.
    private func writeStatus(_ set: JSONValue, _ computed: Status) async throws {
        var s = computed
        if Self.isRollingUpdate(set) && s.updated == s.replicas && s.ready == s.replicas {
            s.current = s.updated
            s.currentRevision = s.updateRevision
        }
        var status = JSONObject()
        status["observedGeneration"] = .int(set.generation)
        status["replicas"] = .int(Int64(s.replicas))
        if s.ready != 0 { status["readyReplicas"] = .int(Int64(s.ready)) }
        if s.current != 0 { status["currentReplicas"] = .int(Int64(s.current)) }
        if s.updated != 0 { status["updatedReplicas"] = .int(Int64(s.updated)) }
        status["currentRevision"] = .string(s.currentRevision)
        status["updateRevision"] = .string(s.updateRevision)
        status["collisionCount"] = .int(s.collisionCount)
        status["availableReplicas"] = .int(Int64(s.available))
        if let conditions = set["status"]?["conditions"] { status["conditions"] = conditions }
        guard set["status"] != .object(status) else { return }
        var updated = set
        updated["status"] = .object(status)
        _ = try await client.replace(APITypes.statefulSets, name: set.name, namespace: set.namespace, subresource: "status", body: updated)
    }

    /// truncateHistory: revisions no pod uses and that are neither current nor update, oldest
    /// first, beyond `revisionHistoryLimit`.
    private func truncateHistory(_ set: JSONValue, pods: [JSONValue], revisions: [JSONValue],
                                 current: JSONValue, update: JSONValue) async throws {
        var live: Set<String> = [current.name, update.name]
        for pod in pods { if let revision = pod.labels[Self.revisionLabel] { live.insert(revision) } }
        let history = revisions.filter { !live.contains($0.name) }
        let limit = Int(set["spec"]?["revisionHistoryLimit"]?.intValue ?? 10)
        guard history.count > limit else { return }
        for revision in history.prefix(history.count - limit) {
            do {
                try await client.delete(APITypes.controllerRevisions, name: revision.name, namespace: revision.namespace)
            } catch let error as KubeAPIError where error.code == 404 {}
        }
    }

    // MARK: - Pods

    /// The ordinal in `<set>-<n>` when the pod belongs to the set by name.
    static func ordinal(of pod: JSONValue, in set: JSONValue) -> Int? {
        let prefix = set.name + "-"
        guard pod.name.hasPrefix(prefix) else { return nil }
        let suffix = pod.name.dropFirst(prefix.count)
        guard !suffix.isEmpty, suffix.allSatisfy(\.isASCII), suffix.allSatisfy(\.isNumber) else { return nil }
        return Int(suffix)
    }

    static func isRunningAndReady(_ pod: JSONValue) -> Bool {
        pod["status"]?["phase"]?.stringValue == "Running" && ReplicaSetController.readySince(pod) != nil
    }

    /// Seconds until a ready pod counts as available (<= 0: available now); nil when not ready.
    private func availableIn(_ pod: JSONValue, minReady: Double, now: Date) -> Double? {
        guard let since = ReplicaSetController.readySince(pod) else { return nil }
        if minReady <= 0 { return 0 }
        return since.addingTimeInterval(minReady).timeIntervalSince(now)
    }

    static func isRollingUpdate(_ set: JSONValue) -> Bool {
        (set["spec"]?["updateStrategy"]?["type"]?.stringValue ?? "RollingUpdate") == "RollingUpdate"
    }
}
