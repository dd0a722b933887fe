import Foundation

/// core/v1 Event (`/api/v1/events`), a read view. Newer components write through events.k8s.io/v1
/// and the server fills the core fields from it: `eventTime` and `reportingComponent` set,
/// `firstTimestamp`/`lastTimestamp` null and `source` empty; older ones do the reverse.
public struct Event: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "", version: "v1", resource: "events", kind: "Event", namespaced: true)

    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference?
    public var reason: String?
    public var message: String?
    /// "Normal" or "Warning".
    public var type: String?
    public var count: Int?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    /// MicroTime, with fractional seconds.
    public var eventTime: String?
    public var series: EventSeries?
    public var source: EventSource?
    public var action: String?
    public var reportingComponent: String?
    public var reportingInstance: String?

    /// When it last happened, as kubectl's LAST SEEN column takes it: the series' last observation,
    /// else `lastTimestamp`, else `firstTimestamp`, else `eventTime`.
    public var lastSeen: Date? {
        let candidates = [series?.lastObservedTime, lastTimestamp, firstTimestamp, eventTime]
        for case let text? in candidates where !text.isEmpty {
            if let date = KubeTime.date(from: text) { return date }
        }
        return nil
    }

    /// How many times it happened: the series count, else `count`, else once.
    public var occurrences: Int { series?.count ?? count.map { max($0, 1) } ?? 1 }

    /// The involved object's "namespace/name" key (as `ObjectMeta.key`); pair it with
    /// `involvedObject.kind` to find the object in a store.
    public var involvedKey: String { involvedObject?.key ?? "" }

    /// Who reported it: `reportingComponent`, else `source.component` (kubectl's SOURCE column).
    public var reporter: String? {
        if let component = reportingComponent, !component.isEmpty { return component }
        return source?.component
    }

    public var isWarning: Bool { type == "Warning" }
}

/// A run of repeats of the same event, reported as one object (events.k8s.io semantics).
public struct EventSeries: Codable, Sendable, Hashable {
    public var count: Int?
    public var lastObservedTime: String?
}

public struct EventSource: Codable, Sendable, Hashable {
    public var component: String?
    public var host: String?
}
