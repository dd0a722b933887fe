import Foundation

/// Where an informer's cache stands, for the screen to show (loading / live / stale / error).
public enum InformerState: Sendable, Equatable {
    /// The first list has not finished; items may be partial (pages arrive one by one).
    case loading
    /// Listed and watching: the cache follows the server.
    case synced
    /// Disconnected for longer than the configured threshold: the items may be out of date.
    case stale(since: Date)
    /// The list or watch failed; retrying after a backoff. `lastError` is safe to show.
    case reconnecting(attempt: Int, lastError: String)
}

/// How far the current LIST has come, while pages arrive.
public struct ListProgress: Sendable, Equatable {
    public var pagesLoaded: Int
    public var itemsLoaded: Int
    /// The server's estimate of items still to come, when it gives one.
    public var remainingItemCount: Int64?

    public init(pagesLoaded: Int, itemsLoaded: Int, remainingItemCount: Int64? = nil) {
        self.pagesLoaded = pagesLoaded
        self.itemsLoaded = itemsLoaded
        self.remainingItemCount = remainingItemCount
    }
}

/// An immutable view of an informer's cache.
public struct InformerSnapshot<T: KubeObject>: Sendable {
    /// Sorted by `metadata.key` ("namespace/name").
    public var items: [T]
    public var state: InformerState
    /// The version the cache reflects (last event or bookmark); nil before the first list.
    public var resourceVersion: String?
    /// Set while a LIST is in progress.
    public var listProgress: ListProgress?

    public init(items: [T], state: InformerState, resourceVersion: String? = nil, listProgress: ListProgress? = nil) {
        self.items = items
        self.state = state
        self.resourceVersion = resourceVersion
        self.listProgress = listProgress
    }
}
