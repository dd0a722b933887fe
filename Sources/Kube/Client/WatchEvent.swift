/// One event of a watch stream.
public enum WatchEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// A resume point with no change: store it, re-watch from it after a normal close.
    case bookmark(resourceVersion: String)
    /// The server ended the watch with a Status (410 Expired means: relist).
    case error(KubeAPIError)
}

extension WatchEvent: Equatable where Object: Equatable {}

/// Options for a watch request.
public struct WatchOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Where to start. nil asks for a watch-list (initial ADDED events); prefer the list's version.
    public var resourceVersion: String?
    public var allowBookmarks: Bool
    /// The server closes the watch after this long; informers jitter it between 300 and 600.
    public var timeoutSeconds: Int?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                allowBookmarks: Bool = true, timeoutSeconds: Int? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.allowBookmarks = allowBookmarks
        self.timeoutSeconds = timeoutSeconds
    }

    var queryItems: [(name: String, value: String)] {
        var items = CollectionQuery(labelSelector: labelSelector, fieldSelector: fieldSelector,
                                    resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds).items
        items.append(("watch", "true"))
        if allowBookmarks { items.append(("allowWatchBookmarks", "true")) }
        return items
    }
}
