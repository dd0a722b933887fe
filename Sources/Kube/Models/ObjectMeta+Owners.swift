import Foundation

extension ObjectMeta {
    /// The owner reference with `controller: true`: the ReplicaSet of a Deployment's pod, the
    /// Deployment of a ReplicaSet, the StatefulSet of its pods. Kubernetes allows at most one.
    public var controllerRef: OwnerReference? {
        ownerReferences?.first { $0.controller == true }
    }

    /// Whether `owner` (by uid) is among this object's owners.
    public func isOwned(byUID uid: String) -> Bool {
        ownerReferences?.contains { $0.uid == uid } ?? false
    }

    /// The parsed `creationTimestamp`.
    public var creationDate: Date? { creationTimestamp.flatMap(KubeTime.date(from:)) }

    /// The parsed `deletionTimestamp`: set once a graceful delete has begun.
    public var deletionDate: Date? { deletionTimestamp.flatMap(KubeTime.date(from:)) }
}
