import Foundation
import Kube
import YAML

/// Reads a workload and the objects that hold its revisions, as kubectl's rollback and history do:
/// one LIST by the workload's selector (no limit, following `continue`), kept only when the
/// workload is their controller.
struct WorkloadHistorySource: Sendable {
    let client: KubeClient

    func workload(_ ref: WorkloadRef) async throws -> JSONValue {
        try await client.get(ref.kind.resourceType, name: ref.name, namespace: ref.namespace)
    }

    /// ReplicaSets for a Deployment, ControllerRevisions for a StatefulSet.
    func revisionObjects(of workload: JSONValue, ref: WorkloadRef) async throws -> [JSONValue] {
        let selectorValue = workload["spec"]?["selector"] ?? .null
        guard let selector = try? JSONValueDecoder().decode(LabelSelector.self, from: selectorValue) else {
            throw OperationError.malformed("\(ref) has no valid spec.selector")
        }
        let type = ref.kind == .deployment ? ReplicaSet.resourceType : ControllerRevision.resourceType
        var options = ListOptions(labelSelector: selector.queryString)
        var items: [JSONValue] = []
        while true {
            let page = try await client.list(type, namespace: ref.namespace, options: options)
            items += page.items
            guard let token = page.metadata.continue, !token.isEmpty else { break }
            options.continueToken = token
        }
        let uid = workload["metadata"]?["uid"]?.stringValue ?? ""
        return items.filter { Self.isControlled($0, byUID: uid) }
    }

    /// metav1.IsControlledBy: an ownerReference with controller true and the owner's uid.
    static func isControlled(_ object: JSONValue, byUID uid: String) -> Bool {
        for owner in object["metadata"]?["ownerReferences"]?.arrayValue ?? []
        where owner["controller"]?.boolValue == true {
            return owner["uid"]?.stringValue == uid
        }
        return false
    }

    /// deploymentutil.Revision: the annotation as an integer; missing is 0; unparsable is nil (skipped).
    static func replicaSetRevision(_ rs: JSONValue) -> Int64? {
        guard let text = rs["metadata"]?["annotations"]?[Deployment.revisionAnnotation]?.stringValue else { return 0 }
        return Int64(text)
    }
}
