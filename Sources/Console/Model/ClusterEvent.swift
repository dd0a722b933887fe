import Foundation
import Kube

/// One event as the console shows it, from either API: core/v1 Event or events.k8s.io/v1 Event
/// (the same objects with newer field names), so the events view does not care which it read.
public struct ClusterEvent: Sendable, Equatable {
    public var namespace: String
    public var name: String
    /// "Normal" or "Warning".
    public var type: String
    public var reason: String
    public var message: String
    /// The object it is about: kind, `namespace/name` key (name alone when cluster-scoped).
    public var objectKind: String
    public var objectKey: String
    /// Part of the object ("spec.containers{engine}").
    public var fieldPath: String?
    public var source: String
    public var count: Int
    public var lastSeen: Date?

    public var isWarning: Bool { type == "Warning" }
    /// The object's name without its namespace.
    public var objectName: String { objectKey.split(separator: "/").last.map(String.init) ?? objectKey }

    public init(_ e: Event) {
        namespace = e.metadata.namespace ?? ""
        name = e.metadata.name ?? ""
        type = e.type ?? "Normal"
        reason = e.reason ?? ""
        message = e.message ?? ""
        objectKind = e.involvedObject?.kind ?? ""
        objectKey = e.involvedKey
        fieldPath = e.involvedObject?.fieldPath
        source = e.reporter ?? ""
        count = e.occurrences
        lastSeen = e.lastSeen
    }

    public init(_ e: EventsV1Event) {
        namespace = e.metadata.namespace ?? ""
        name = e.metadata.name ?? ""
        type = e.type ?? "Normal"
        reason = e.reason ?? ""
        message = e.note ?? ""
        objectKind = e.regarding?.kind ?? ""
        objectKey = e.regarding?.key ?? ""
        fieldPath = e.regarding?.fieldPath
        source = e.reportingController ?? e.deprecatedSource?.component ?? ""
        count = e.series?.count ?? e.deprecatedCount.map { max($0, 1) } ?? 1
        lastSeen = e.lastSeen
    }

    /// Whether it is about the object (kind and key as `EventScope.object` names them).
    public func concerns(kind: String, key: String) -> Bool {
        objectKind == kind && (objectKey == key || objectName == key)
    }
}
