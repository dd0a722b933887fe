import Foundation
import Kube
import YAML

/// The Deployment controller (kube-controller-manager's `deployment-controller`), following
/// pkg/controller/deployment: one ReplicaSet per pod template (`<deployment>-<pod-template-hash>`),
/// revisions (`deployment.kubernetes.io/revision`, `revision-history` when an old ReplicaSet is
/// brought back by a rollback), rolling updates within maxSurge/maxUnavailable, scaling events,
/// pause/resume, the Progressing and Available conditions with the real reasons and messages,
/// progress deadlines, and cleanup of old ReplicaSets past `revisionHistoryLimit`.
///
/// Simplifications: proportional scaling while several ReplicaSets are active gives added
/// replicas to the newest and removes from the oldest first; Recreate is a rolling update with
/// no surge and everything unavailable; orphaned ReplicaSets are not adopted.
public struct DeploymentController: Reconciler {
    let client: KubeClient
    let clock: ControllerClock
    let events: EventRecorder
    public var name: String { "deployment-controller" }

    static let revisionKey = "deployment.kubernetes.io/revision"
    static let revisionHistoryKey = "deployment.kubernetes.io/revision-history"
    static let desiredReplicasKey = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasKey = "deployment.kubernetes.io/max-replicas"
    /// Annotations never copied from a Deployment to its ReplicaSets.
    static let skippedAnnotations: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionKey, revisionHistoryKey, desiredReplicasKey,
        maxReplicasKey, "deprecated.deployment.rollback.to",
    ]
    /// The real controller's limit on `revision-history`'s length.
    static let maxRevisionHistoryChars = 2000

    init(client: KubeClient, clock: ControllerClock) {
        self.client = client
        self.clock = clock
        self.events = EventRecorder(client: client, component: "deployment-controller", reportingInstance: nil, clock: clock)
    }

    func reconcile() async throws -> Duration? {
        let deployments = try await client.listAll(APITypes.deployments).items
        let sets = try await client.listAll(APITypes.replicaSets).items
        var requeue: Duration?
        for d in deployments where !d.isDeleting {
            let owned = sets.filter { $0.controllerUID == d.uid && !$0.isDeleting }
            do {
                if let wait = try await sync(d, owned) { requeue = min(requeue ?? wait, wait) }
            } catch let error as KubeAPIError where error.isConflict || error.code == 404 || error.code == 409 {
                requeue = .milliseconds(50)
            }
        }
        return requeue
    }

    // MARK: - syncDeployment

    private func sync(_ deployment: JSONValue, _ rsList: [JSONValue]) async throws -> Duration? {
        var d = deployment
        try await checkPausedConditions(&d)
        if d["spec"]?["paused"]?.boolValue == true || isScalingEvent(d, rsList) {
            return try await syncScale(&d, rsList)
        }
        return try await rolloutRolling(&d, rsList)
    }

    private func checkPausedConditions(_ d: inout JSONValue) async throws {
        guard Self.hasProgressDeadline(d) else { return }
        let cond = Self.condition(d, "Progressing")
        if cond?["reason"]?.stringValue == "ProgressDeadlineExceeded" { return }
        let pausedCondExists = cond?["reason"]?.stringValue == "DeploymentPaused"
        let paused = d["spec"]?["paused"]?.boolValue == true
        var status = d["status"] ?? .object(JSONObject())
        if paused && !pausedCondExists {
            Self.setCondition(&status, Self.newCondition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", clock.now()))
        } else if !paused && pausedCondExists {
            Self.setCondition(&status, Self.newCondition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", clock.now()))
        } else {
            return
        }
        try await writeStatus(&d, status)
    }

    private func isScalingEvent(_ d: JSONValue, _ rsList: [JSONValue]) -> Bool {
        let (newRS, oldRSs) = Self.split(d, rsList)
        let active = ([newRS].compactMap { $0 } + oldRSs).filter { Self.replicas($0) > 0 }
        for rs in active {
            if let desired = rs.annotations[Self.desiredReplicasKey].flatMap(Int.init), desired != Self.replicas(d) { return true }
        }
        return false
    }

    /// `dc.sync`: scaling (and paused deployments) without starting a rollout.
    private func syncScale(_ d: inout JSONValue, _ rsList: [JSONValue]) async throws -> Duration? {
        var (newRS, oldRSs) = try await allReplicaSetsAndSyncRevision(&d, rsList, create: false)
        try await scale(d, &newRS, &oldRSs)
        if d["spec"]?["paused"]?.boolValue == true { try await cleanup(d, oldRSs) }
        let all = oldRSs + [newRS].compactMap { $0 }
        var status = calculateStatus(all, newRS, d)
        status["conditions"] = Self.availability(status, d, clock.now())
        try await writeStatus(&d, status)
        return nil
    }

    private func rolloutRolling(_ d: inout JSONValue, _ rsList: [JSONValue]) async throws -> Duration? {
        var (newRSOptional, oldRSs) = try await allReplicaSetsAndSyncRevision(&d, rsList, create: true)
        guard var newRS = newRSOptional else { return nil }
        if try await reconcileNewReplicaSet(d, &newRS, oldRSs) {
            return try await syncRolloutStatus(&d, oldRSs + [newRS], newRS)
        }
        if try await reconcileOldReplicaSets(d, newRS, &oldRSs) {
            return try await syncRolloutStatus(&d, oldRSs + [newRS], newRS)
        }
        newRSOptional = newRS
        if Self.isComplete(d, d["status"]) { try await cleanup(d, oldRSs) }
        return try await syncRolloutStatus(&d, oldRSs + [newRS], newRS)
    }

    // MARK: - ReplicaSets and revisions

    /// The ReplicaSet whose template matches the Deployment's (oldest first, as kubectl and the
    /// controller both pick), and the others.
    static func split(_ d: JSONValue, _ rsList: [JSONValue]) -> (JSONValue?, [JSONValue]) {
        let sorted = rsList.sorted { $0.creationTimestamp == $1.creationTimestamp ? $0.name < $1.name : $0.creationTimestamp < $1.creationTimestamp }
        guard let index = sorted.firstIndex(where: { PodTemplateHash.equalIgnoringHash($0["spec"]?["template"], d["spec"]?["template"]) }) else {
            return (nil, sorted)
        }
        var old = sorted
        let new = old.remove(at: index)
        return (new, old)
    }

    private func allReplicaSetsAndSyncRevision(_ d: inout JSONValue, _ rsList: [JSONValue],
                                               create: Bool) async throws -> (JSONValue?, [JSONValue]) {
        let (existing, oldRSs) = Self.split(d, rsList)
        let maxOld = oldRSs.compactMap { Int64($0.annotations[Self.revisionKey] ?? "") }.max() ?? 0
        let newRevision = String(maxOld + 1)
        if var rs = existing {
            let annotationsChanged = setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: true)
            let minReady = d["spec"]?["minReadySeconds"] ?? .null
            let minReadyChanged = (rs["spec"]?["minReadySeconds"] ?? .null).intValue ?? 0 != minReady.intValue ?? 0
            if annotationsChanged || minReadyChanged {
                if minReadyChanged { rs["spec"]?["minReadySeconds"] = minReady }
                rs = try await client.replace(APITypes.replicaSets, name: rs.name, namespace: rs.namespace, body: rs)
            }
            try await setDeploymentRevision(&d, rs.annotations[Self.revisionKey] ?? newRevision)
            if Self.hasProgressDeadline(d), Self.condition(d, "Progressing") == nil {
                var status = d["status"] ?? .object(JSONObject())
                Self.setCondition(&status, Self.newCondition("Progressing", "True", "FoundNewReplicaSet",
                                                            "Found new replica set \"\(rs.name)\"", clock.now()))
                try await writeStatus(&d, status)
            }
            return (rs, oldRSs)
        }
        guard create else { return (nil, oldRSs) }

        let collisionCount = d["status"]?["collisionCount"]?.intValue
        var template = d["spec"]?["template"] ?? .object(JSONObject())
        let hash = PodTemplateHash.compute(template: template, collisionCount: collisionCount)
        var labels = JSONValue.stringMap(template["metadata"]?["labels"])
        labels[PodTemplateHash.label] = hash
        if template["metadata"] == nil { template["metadata"] = .object(JSONObject()) }
        template["metadata"]?["labels"] = JSONValue.fromMap(labels)
        var selector = d["spec"]?["selector"] ?? .object(JSONObject())
        var matchLabels = JSONValue.stringMap(selector["matchLabels"])
        matchLabels[PodTemplateHash.label] = hash
        selector["matchLabels"] = JSONValue.fromMap(matchLabels)
        var spec: JSONValue = ["replicas": 0]
        if let minReady = d["spec"]?["minReadySeconds"] { spec["minReadySeconds"] = minReady }
        spec["selector"] = selector
        spec["template"] = template
        var rs: JSONValue = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": ["name": .string("\(d.name)-\(hash)"), "namespace": .string(d.namespace),
                         "labels": JSONValue.fromMap(labels),
                         "ownerReferences": [d.controllerReference(apiVersion: "apps/v1", kind: "Deployment")]],
            "spec": spec,
        ]
        let replicas = newRSNewReplicas(d, oldRSs + [rs], rs)
        rs["spec"]?["replicas"] = .int(Int64(replicas))
        _ = setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: false)
        let created: JSONValue
        do {
            created = try await client.create(APITypes.replicaSets, namespace: d.namespace, body: rs)
        } catch let error as KubeAPIError where error.code == 409 {
            // A ReplicaSet of that name with another template: bump collisionCount so the next
            // hash differs, as the real controller does.
            var status = d["status"] ?? .object(JSONObject())
            status["collisionCount"] = .int((collisionCount ?? 0) + 1)
            try await writeStatus(&d, status)
            throw error
        }
        if replicas > 0 {
            await events.record(d, kind: "Deployment", apiVersion: "apps/v1", reason: "ScalingReplicaSet",
                                message: "Scaled up replica set \(created.name) from 0 to \(replicas)")
        }
        try await setDeploymentRevision(&d, newRevision)
        if Self.hasProgressDeadline(d) {
            var status = d["status"] ?? .object(JSONObject())
            Self.setCondition(&status, Self.newCondition("Progressing", "True", "NewReplicaSetCreated",
                                                        "Created new replica set \"\(created.name)\"", clock.now()))
            try await writeStatus(&d, status)
        }
        return (created, oldRSs)
    }

    /// deploymentutil.SetNewReplicaSetAnnotations. Returns whether anything changed.
    private func setNewReplicaSetAnnotations(_ d: JSONValue, _ rs: inout JSONValue, newRevision: String, exists: Bool) -> Bool {
        var annotations = rs.annotations
        var changed = false
        for (key, value) in d.annotations where !Self.skippedAnnotations.contains(key) && annotations[key] != value {
            annotations[key] = value
            changed = true
        }
        let oldRevision = annotations[Self.revisionKey]
        let oldInt = Int64(oldRevision ?? "") ?? 0
        let newInt = Int64(newRevision) ?? 0
        if oldInt < newInt {
            annotations[Self.revisionKey] = newRevision
            changed = true
        }
        if let oldRevision, oldInt < newInt {
            // Brought back by a rollback: keep the revisions it held before.
            let history = annotations[Self.revisionHistoryKey] ?? ""
            if history.isEmpty {
                annotations[Self.revisionHistoryKey] = oldRevision
            } else {
                var parts = history.split(separator: ",").map(String.init)
                var total = history.count + oldRevision.count + 1
                while total > Self.maxRevisionHistoryChars && !parts.isEmpty {
                    total -= parts.removeFirst().count + 1
                }
                annotations[Self.revisionHistoryKey] = (parts + [oldRevision]).joined(separator: ",")
            }
        }
        if !exists {
            annotations[Self.desiredReplicasKey] = String(Self.replicas(d))
            annotations[Self.maxReplicasKey] = String(Self.replicas(d) + Self.maxSurge(d))
            changed = true
        }
        if changed { rs["metadata"]?["annotations"] = JSONValue.fromMap(annotations) }
        return changed
    }

    private func setDeploymentRevision(_ d: inout JSONValue, _ revision: String) async throws {
        guard d.annotations[Self.revisionKey] != revision else { return }
        let patch: JSONValue = ["metadata": ["annotations": [Self.revisionKey: .string(revision)]]]
        d = try await client.patch(APITypes.deployments, name: d.name, namespace: d.namespace, patch: patch.jsonData(), type: .merge)
    }

    /// deploymentutil.NewRSNewReplicas for a rolling update.
    private func newRSNewReplicas(_ d: JSONValue, _ all: [JSONValue], _ newRS: JSONValue) -> Int {
        let current = all.reduce(0) { $0 + Self.replicas($1) }
        let maxTotal = Self.replicas(d) + Self.maxSurge(d)
        if current >= maxTotal { return Self.replicas(newRS) }
        let up = min(maxTotal - current, Self.replicas(d) - Self.replicas(newRS))
        return Self.replicas(newRS) + up
    }

    private func reconcileNewReplicaSet(_ d: JSONValue, _ newRS: inout JSONValue, _ oldRSs: [JSONValue]) async throws -> Bool {
        let want = Self.replicas(d)
        if Self.replicas(newRS) == want { return false }
        if Self.replicas(newRS) > want {
            return try await scaleReplicaSet(&newRS, to: want, d)
        }
        let count = newRSNewReplicas(d, oldRSs + [newRS], newRS)
        return try await scaleReplicaSet(&newRS, to: count, d)
    }

    private func reconcileOldReplicaSets(_ d: JSONValue, _ newRS: JSONValue, _ oldRSs: inout [JSONValue]) async throws -> Bool {
        let oldCount = oldRSs.reduce(0) { $0 + Self.replicas($1) }
        if oldCount == 0 { return false }
        let allCount = oldCount + Self.replicas(newRS)
        let minAvailable = Self.replicas(d) - Self.maxUnavailable(d)
        let newUnavailable = Self.replicas(newRS) - Self.status(newRS, "availableReplicas")
        let maxScaledDown = allCount - minAvailable - newUnavailable
        if maxScaledDown <= 0 { return false }
        oldRSs.sort { $0.creationTimestamp == $1.creationTimestamp ? $0.name < $1.name : $0.creationTimestamp < $1.creationTimestamp }
        // Unhealthy replicas first.
        var cleaned = 0
        for i in oldRSs.indices {
            if cleaned >= maxScaledDown { break }
            let replicas = Self.replicas(oldRSs[i]), available = Self.status(oldRSs[i], "availableReplicas")
            if replicas == 0 || replicas == available { continue }
            let down = min(maxScaledDown - cleaned, replicas - available)
            _ = try await scaleReplicaSet(&oldRSs[i], to: replicas - down, d)
            cleaned += down
        }
        // Then as many available ones as minAvailable allows.
        let availableAll = (oldRSs + [newRS]).reduce(0) { $0 + Self.status($1, "availableReplicas") }
        var scaledDown = 0
        if availableAll > minAvailable {
            let total = availableAll - minAvailable
            for i in oldRSs.indices {
                if scaledDown >= total { break }
                let replicas = Self.replicas(oldRSs[i])
                if replicas == 0 { continue }
                let down = min(replicas, total - scaledDown)
                _ = try await scaleReplicaSet(&oldRSs[i], to: replicas - down, d)
                scaledDown += down
            }
        }
        return cleaned + scaledDown > 0
    }

    /// `dc.scale`: the one active (or newest) ReplicaSet takes the new size; with several active,
    /// see the type's note on proportional scaling.
    private func scale(_ d: JSONValue, _ newRS: inout JSONValue?, _ oldRSs: inout [JSONValue]) async throws {
        let want = Self.replicas(d)
        oldRSs.sort { $0.creationTimestamp == $1.creationTimestamp ? $0.name > $1.name : $0.creationTimestamp > $1.creationTimestamp }
        let activeOld = oldRSs.indices.filter { Self.replicas(oldRSs[$0]) > 0 }
        let newActive = newRS.map { Self.replicas($0) > 0 } ?? false
        if activeOld.count + (newActive ? 1 : 0) <= 1 {
            if newActive || (activeOld.isEmpty && newRS != nil) {
                if Self.replicas(newRS!) != want { var rs = newRS!; _ = try await scaleReplicaSet(&rs, to: want, d); newRS = rs }
            } else if let i = activeOld.first ?? (oldRSs.isEmpty ? nil : 0) {
                if Self.replicas(oldRSs[i]) != want { _ = try await scaleReplicaSet(&oldRSs[i], to: want, d) }
            }
            return
        }
        if var rs = newRS, Self.replicas(rs) == want, rs.annotations[Self.desiredReplicasKey] == String(want),
           Self.status(rs, "availableReplicas") == want {
            for i in activeOld { _ = try await scaleReplicaSet(&oldRSs[i], to: 0, d) }
            newRS = rs
            rs = newRS!
            return
        }
        let allowed = want + (Self.isRolling(d) ? Self.maxSurge(d) : 0)
        var toAdd = allowed - (oldRSs.reduce(0) { $0 + Self.replicas($1) } + (newRS.map(Self.replicas) ?? 0))
        if toAdd > 0 {
            if var rs = newRS { _ = try await scaleReplicaSet(&rs, to: Self.replicas(rs) + toAdd, d); newRS = rs }
            else if let i = activeOld.first { _ = try await scaleReplicaSet(&oldRSs[i], to: Self.replicas(oldRSs[i]) + toAdd, d) }
        } else if toAdd < 0 {
            for i in activeOld.reversed() where toAdd < 0 {
                let down = min(Self.replicas(oldRSs[i]), -toAdd)
                _ = try await scaleReplicaSet(&oldRSs[i], to: Self.replicas(oldRSs[i]) - down, d)
                toAdd += down
            }
            if toAdd < 0, var rs = newRS { _ = try await scaleReplicaSet(&rs, to: max(0, Self.replicas(rs) + toAdd), d); newRS = rs }
        }
    }

    /// Scales and stamps desired/max replicas; records ScalingReplicaSet when the size changed.
    @discardableResult
    private func scaleReplicaSet(_ rs: inout JSONValue, to count: Int, _ d: JSONValue) async throws -> Bool {
        let old = Self.replicas(rs)
        let desired = String(Self.replicas(d)), maxReplicas = String(Self.replicas(d) + Self.maxSurge(d))
        let sizeChanged = old != count
        let annotationsChanged = rs.annotations[Self.desiredReplicasKey] != desired || rs.annotations[Self.maxReplicasKey] != maxReplicas
        guard sizeChanged || annotationsChanged else { return false }
        var updated = rs
        updated["spec"]?["replicas"] = .int(Int64(count))
        var annotations = rs.annotations
        annotations[Self.desiredReplicasKey] = desired
        annotations[Self.maxReplicasKey] = maxReplicas
        updated["metadata"]?["annotations"] = JSONValue.fromMap(annotations)
        rs = try await client.replace(APITypes.replicaSets, name: rs.name, namespace: rs.namespace, body: updated)
        if sizeChanged {
            await events.record(d, kind: "Deployment", apiVersion: "apps/v1", reason: "ScalingReplicaSet",
                                message: "Scaled \(count > old ? "up" : "down") replica set \(rs.name) from \(old) to \(count)")
        }
        return sizeChanged
    }

    private func cleanup(_ d: JSONValue, _ oldRSs: [JSONValue]) async throws {
        guard let limit = d["spec"]?["revisionHistoryLimit"]?.intValue else { return }
        let alive = oldRSs.filter { !$0.isDeleting }
        let diff = alive.count - Int(limit)
        guard diff > 0 else { return }
        let byRevision = alive.sorted {
            let a = Int64($0.annotations[Self.revisionKey] ?? "") ?? 0, b = Int64($1.annotations[Self.revisionKey] ?? "") ?? 0
            return a == b ? $0.creationTimestamp < $1.creationTimestamp : a < b
        }
        for rs in byRevision.prefix(diff) {
            if Self.status(rs, "replicas") != 0 || Self.replicas(rs) != 0
                || rs.generation > (rs["status"]?["observedGeneration"]?.intValue ?? 0) { continue }
            _ = try? await client.delete(APITypes.replicaSets, name: rs.name, namespace: rs.namespace)
        }
    }

    // MARK: - Status

    private func calculateStatus(_ all: [JSONValue], _ newRS: JSONValue?, _ d: JSONValue) -> JSONValue {
        let available = all.reduce(0) { $0 + Self.status($1, "availableReplicas") }
        let total = all.reduce(0) { $0 + Self.replicas($1) }
        var status = JSONObject()
        func put(_ key: String, _ value: Int) { if value != 0 { status[key] = .int(Int64(value)) } }
        status["observedGeneration"] = .int(d.generation)
        put("replicas", all.reduce(0) { $0 + Self.status($1, "replicas") })
        put("updatedReplicas", newRS.map { Self.status($0, "replicas") } ?? 0)
        put("readyReplicas", all.reduce(0) { $0 + Self.status($1, "readyReplicas") })
        put("availableReplicas", available)
        put("unavailableReplicas", max(0, total - available))
        status["terminatingReplicas"] = .int(Int64(all.reduce(0) { $0 + Self.status($1, "terminatingReplicas") }))
        if let conditions = d["status"]?["conditions"] { status["conditions"] = conditions }
        if let collisions = d["status"]?["collisionCount"] { status["collisionCount"] = collisions }
        return .object(status)
    }

    /// calculateStatus's Available condition, returned as the new conditions list.
    static func availability(_ status: JSONValue, _ d: JSONValue, _ now: Date) -> JSONValue {
        var s = status
        if Self.status(s, "availableReplicas", top: true) >= replicas(d) - maxUnavailable(d) {
            setCondition(&s, newCondition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now))
        } else {
            setCondition(&s, newCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now))
        }
        return s["conditions"] ?? .array([])
    }

    private func syncRolloutStatus(_ d: inout JSONValue, _ all: [JSONValue], _ newRS: JSONValue?) async throws -> Duration? {
        let now = clock.now()
        var status = calculateStatus(all, newRS, d)
        status["conditions"] = Self.availability(status, d, now)
        var requeue: Duration?
        if !Self.hasProgressDeadline(d) {
            status["conditions"] = .array((status["conditions"]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "Progressing" })
        }
        let current = Self.condition(d, "Progressing")
        let isCompleteDeployment = Self.status(status, "replicas", top: true) == Self.status(status, "updatedReplicas", top: true)
            && current?["reason"]?.stringValue == "NewReplicaSetAvailable"
        if Self.hasProgressDeadline(d) && !isCompleteDeployment {
            if Self.isComplete(d, status) {
                let message = newRS.map { "ReplicaSet \"\($0.name)\" has successfully progressed." }
                    ?? "Deployment \"\(d.name)\" has successfully progressed."
                Self.setCondition(&status, Self.newCondition("Progressing", "True", "NewReplicaSetAvailable", message, now))
            } else if Self.isProgressing(d, status) {
                let message = newRS.map { "ReplicaSet \"\($0.name)\" is progressing." } ?? "Deployment \"\(d.name)\" is progressing."
                var condition = Self.newCondition("Progressing", "True", "ReplicaSetUpdated", message, now)
                if let current {
                    if current["status"]?.stringValue == "True" { condition["lastTransitionTime"] = current["lastTransitionTime"] }
                    status["conditions"] = .array((status["conditions"]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "Progressing" })
                }
                Self.setCondition(&status, condition)
            } else if let left = timeLeft(d, status, now), left <= 0 {
                let message = newRS.map { "ReplicaSet \"\($0.name)\" has timed out progressing." }
                    ?? "Deployment \"\(d.name)\" has timed out progressing."
                Self.setCondition(&status, Self.newCondition("Progressing", "False", "ProgressDeadlineExceeded", message, now))
            } else if let left = timeLeft(d, status, now) {
                requeue = .seconds(left + 0.01)
            }
        }
        try await writeStatus(&d, status)
        return requeue
    }

    /// Seconds until the progress deadline passes, when it applies.
    private func timeLeft(_ d: JSONValue, _ status: JSONValue, _ now: Date) -> Double? {
        guard let deadline = d["spec"]?["progressDeadlineSeconds"]?.intValue,
              let condition = (status["conditions"]?.arrayValue ?? []).first(where: { $0["type"]?.stringValue == "Progressing" }),
              condition["reason"]?.stringValue != "NewReplicaSetAvailable",
              condition["reason"]?.stringValue != "ProgressDeadlineExceeded",
              let from = APITime.parse(condition["lastUpdateTime"]?.stringValue) else { return nil }
        return from.addingTimeInterval(Double(deadline)).timeIntervalSince(now)
    }

    private func writeStatus(_ d: inout JSONValue, _ status: JSONValue) async throws {
        guard d["status"] != status else { return }
        var updated = d
        updated["status"] = status
        d = try await client.replace(APITypes.deployments, name: d.name, namespace: d.namespace, subresource: "status", body: updated)
    }

    // MARK: - deploymentutil

    static func replicas(_ object: JSONValue) -> Int { Int(object["spec"]?["replicas"]?.intValue ?? 1) }

    /// A status count of a ReplicaSet (or, with `top`, of a status object itself).
    static func status(_ object: JSONValue, _ key: String, top: Bool = false) -> Int {
        Int((top ? object[key] : object["status"]?[key])?.intValue ?? 0)
    }

    static func condition(_ d: JSONValue, _ type: String) -> JSONValue? {
        d["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    static func hasProgressDeadline(_ d: JSONValue) -> Bool {
        guard let seconds = d["spec"]?["progressDeadlineSeconds"]?.intValue else { return false }
        return seconds != Int64(Int32.max)
    }

    static func isRolling(_ d: JSONValue) -> Bool { (d["spec"]?["strategy"]?["type"]?.stringValue ?? "RollingUpdate") == "RollingUpdate" }

    /// ResolveFenceposts: surge rounds up, unavailable down, and both zero means one unavailable.
    static func fenceposts(_ d: JSONValue) -> (surge: Int, unavailable: Int) {
        let replicas = replicas(d)
        guard isRolling(d) else { return (0, replicas) }
        let rolling = d["spec"]?["strategy"]?["rollingUpdate"]
        let surge = scaled(rolling?["maxSurge"] ?? "25%", total: replicas, roundUp: true)
        var unavailable = scaled(rolling?["maxUnavailable"] ?? "25%", total: replicas, roundUp: false)
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    static func maxSurge(_ d: JSONValue) -> Int { isRolling(d) ? fenceposts(d).surge : 0 }

    static func maxUnavailable(_ d: JSONValue) -> Int {
        let replicas = replicas(d)
        if replicas == 0 { return 0 }
        return min(fenceposts(d).unavailable, replicas)
    }

    static func scaled(_ value: JSONValue, total: Int, roundUp: Bool) -> Int {
        if let int = value.intValue { return Int(int) }
        guard let text = value.stringValue, text.hasSuffix("%"), let percent = Double(text.dropLast()) else { return 0 }
        let exact = percent * Double(total) / 100
        return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
    }

    /// deploymentutil.DeploymentComplete.
    static func isComplete(_ d: JSONValue, _ status: JSONValue?) -> Bool {
        guard let status else { return false }
        let want = replicas(d)
        return Self.status(status, "updatedReplicas", top: true) == want && Self.status(status, "replicas", top: true) == want
            && Self.status(status, "availableReplicas", top: true) == want
            && (status["observedGeneration"]?.intValue ?? 0) >= d.generation
    }

    /// deploymentutil.DeploymentProgressing: any progress since the stored status.
    static func isProgressing(_ d: JSONValue, _ new: JSONValue) -> Bool {
        let old = d["status"] ?? .object(JSONObject())
        func v(_ s: JSONValue, _ k: String) -> Int { status(s, k, top: true) }
        return v(new, "updatedReplicas") > v(old, "updatedReplicas")
            || (v(new, "replicas") - v(new, "updatedReplicas")) < (v(old, "replicas") - v(old, "updatedReplicas"))
            || v(new, "readyReplicas") > v(old, "readyReplicas")
            || v(new, "availableReplicas") > v(old, "availableReplicas")
    }

    static func newCondition(_ type: String, _ status: String, _ reason: String, _ message: String, _ now: Date) -> JSONValue {
        let time = JSONValue.string(APITime.seconds(now))
        return ["type": .string(type), "status": .string(status), "lastUpdateTime": time, "lastTransitionTime": time,
                "reason": .string(reason), "message": .string(message)]
    }

    /// deploymentutil.SetDeploymentCondition: same status and reason changes nothing; same status
    /// keeps the transition time; the condition moves to the end of the list.
    static func setCondition(_ status: inout JSONValue, _ condition: JSONValue) {
        var condition = condition
        var list = status["conditions"]?.arrayValue ?? []
        let type = condition["type"]?.stringValue
        if let current = list.first(where: { $0["type"]?.stringValue == type }) {
            if current["status"] == condition["status"] && current["reason"] == condition["reason"] { return }
            if current["status"] == condition["status"] { condition["lastTransitionTime"] = current["lastTransitionTime"] }
        }
        list.removeAll { $0["type"]?.stringValue == type }
        list.append(condition)
        if case .object = status {} else { status = .object(JSONObject()) }
        status["conditions"] = .array(list)
    }
}
