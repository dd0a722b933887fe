import Foundation
import Kube
import YAML

/// `kubectl rollout undo`: back to the previous revision (`toRevision` 0) or a chosen one.
/// Deployments get kubectl's JSON patch (template + annotations) built from the ReplicaSet of that
/// revision; StatefulSets get the ControllerRevision's stored strategic merge patch, verbatim.
/// Works while a rollout is in progress (only a paused Deployment is refused, as kubectl does).
public struct RollbackOperation: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    /// Annotations kubectl keeps from the Deployment rather than taking from the ReplicaSet.
    static let annotationsToSkip: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    ]

    public func prepare(_ ref: WorkloadRef, toRevision: Int64 = 0) async throws -> PreparedOperation {
        guard toRevision >= 0 else { throw OperationError.revisionNotFound(toRevision) }
        let source = WorkloadHistorySource(client: client)
        let workload = try await source.workload(ref)
        let history = try await source.revisionObjects(of: workload, ref: ref)
        switch ref.kind {
        case .deployment: return try deploymentRollback(ref, deployment: workload, replicaSets: history, toRevision: toRevision)
        case .statefulSet: return try statefulSetRollback(ref, statefulSet: workload, revisions: history, toRevision: toRevision)
        }
    }

    /// rollback.go DeploymentRollbacker.Rollback, step for step.
    func deploymentRollback(_ ref: WorkloadRef, deployment: JSONValue, replicaSets: [JSONValue],
                            toRevision: Int64) throws -> PreparedOperation {
        let target = try Self.replicaSet(forRevision: toRevision, in: replicaSets, deploymentName: ref.name)
        if deployment["spec"]?["paused"]?.boolValue == true { throw OperationError.pausedRollback }
        let current = deployment["spec"]?["template"] ?? .null
        let template = target["spec"]?["template"] ?? .null
        if PodTemplateJSON.equalIgnoringHash(template, current) {
            // kubectl prints the revision it was asked for, so "undo" to the previous one says 0.
            return PreparedOperation(verb: "rollout undo", target: ref.description, request: nil, successWord: "rolled back",
                                     noOpMessage: "skipped rollback (current template already matches revision \(toRevision))")
        }
        var annotations = JSONObject()
        let deploymentAnnotations = deployment["metadata"]?["annotations"]?.objectValue ?? JSONObject()
        for key in Self.annotationsToSkip { if let value = deploymentAnnotations[key] { annotations[key] = value } }
        for (key, value) in target["metadata"]?["annotations"]?.objectValue?.entries ?? [] where !Self.annotationsToSkip.contains(key) {
            annotations[key] = value
        }
        let patch: JSONValue = [
            ["op": "replace", "path": "/spec/template",
             "value": PodTemplateJSON.asKubectlWrites(PodTemplateJSON.withoutHash(template))],
            // A Go map: keys sorted.
            ["op": "replace", "path": "/metadata/annotations", "value": GoJSON.sortedKeys(.object(annotations))],
        ]
        let request = PlannedRequest.patch(Deployment.resourceType, name: ref.name, namespace: ref.namespace, .json, body: patch)
        return PreparedOperation(verb: "rollout undo", target: ref.description, request: request, successWord: "rolled back")
    }

    /// deploymentRevision: the exact revision, or the second-highest by number for 0.
    static func replicaSet(forRevision toRevision: Int64, in sets: [JSONValue], deploymentName: String) throws -> JSONValue {
        var latest: (Int64, JSONValue)?
        var previous: (Int64, JSONValue)?
        for rs in sets {
            guard let revision = WorkloadHistorySource.replicaSetRevision(rs) else { continue }
            if toRevision == 0 {
                if (latest?.0 ?? -1) < revision {
                    previous = latest
                    latest = (revision, rs)
                } else if (previous?.0 ?? -1) < revision {
                    previous = (revision, rs)
                }
            } else if revision == toRevision {
                return rs
            }
        }
        if toRevision > 0 { throw OperationError.revisionNotFound(toRevision) }
        guard let previous else { throw OperationError.noRolloutHistory(kind: "deployment", name: deploymentName) }
        return previous.1
    }

    /// rollback.go StatefulSetRollbacker.Rollback: the revision's `data` is the patch.
    func statefulSetRollback(_ ref: WorkloadRef, statefulSet: JSONValue, revisions: [JSONValue],
                             toRevision: Int64) throws -> PreparedOperation {
        if toRevision == 0 && revisions.count <= 1 { throw OperationError.noLastRevision }
        let sorted = revisions.sorted { ($0["revision"]?.intValue ?? 0) < ($1["revision"]?.intValue ?? 0) }
        let chosen: JSONValue?
        if toRevision == 0 {
            chosen = sorted[sorted.count - 2]
        } else {
            chosen = sorted.first { $0["revision"]?.intValue == toRevision }
        }
        guard let chosen, let data = chosen["data"] else { throw OperationError.revisionNotFound(toRevision) }
        let stored = data["spec"]?["template"] ?? .null
        var current = statefulSet["spec"]?["template"] ?? .null
        current["$patch"] = "replace"
        if PodTemplateJSON.normalized(stored) == PodTemplateJSON.normalized(Self.withoutCreationTimestamp(current)) {
            return PreparedOperation(verb: "rollout undo", target: ref.description, request: nil, successWord: "rolled back",
                                     noOpMessage: "skipped rollback (current template already matches revision \(toRevision))")
        }
        let request = PlannedRequest.patch(StatefulSet.resourceType, name: ref.name, namespace: ref.namespace,
                                           .strategicMerge, body: data)
        return PreparedOperation(verb: "rollout undo", target: ref.description, request: request, successWord: "rolled back")
    }

    static func withoutCreationTimestamp(_ template: JSONValue) -> JSONValue {
        var template = template
        template["metadata"]?["creationTimestamp"] = nil
        return template
    }
}
