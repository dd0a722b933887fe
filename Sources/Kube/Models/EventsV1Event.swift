import Foundation

/// events.k8s.io/v1 Event: the same objects as core/v1 `Event`, with the newer field names
/// (`regarding`, `note`, `reportingController`, `deprecated*`).
public struct EventsV1Event: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", namespaced: true)

    public var metadata: ObjectMeta
    public var eventTime: String?
    public var series: EventSeries?
    public var reportingController: String?
    public var reportingInstance: String?
    public var action: String?
    public var reason: String?
    public var regarding: ObjectReference?
    public var related: ObjectReference?
    public var note: String?
    public var type: String?
    public var deprecatedSource: EventSource?
    public var deprecatedFirstTimestamp: String?
    public var deprecatedLastTimestamp: String?
    public var deprecatedCount: Int?

    /// When it last happened: the series' last observation, else `eventTime`, else the deprecated
    /// timestamps written by core/v1 clients.
    public var lastSeen: Date? {
        let candidates = [series?.lastObservedTime, eventTime, deprecatedLastTimestamp, deprecatedFirstTimestamp]
        for case let text? in candidates where !text.isEmpty {
            if let date = KubeTime.date(from: text) { return date }
        }
        return nil
    }
}
