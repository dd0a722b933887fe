import Foundation
import Logging

/// A local cache of one kind in one scope (a namespace or all, optionally filtered by label and
/// field selectors), kept current by LIST then WATCH, in the manner of client-go's reflector:
///
/// - The first LIST asks for `resourceVersion=0` (the API server's watch cache, cheap) in pages
///   of `pageSize`; items are visible as pages arrive. The watch cache may ignore the limit and
///   send everything in one page: that page is decoded as it streams, and `listProgress` counts
///   its items while it does.
/// - The WATCH starts from the list's version with bookmarks and a jittered timeout. When the
///   server closes it normally, the next watch resumes from the last event or bookmark version;
///   there is never a periodic relist.
/// - 410 Expired/Gone (as an HTTP status or an in-stream ERROR) means our version is compacted
///   away: LIST again with no resourceVersion (a consistent read from etcd), then watch.
/// - Any other failure: state `reconnecting`, jittered exponential backoff, `stale` once the
///   outage passes `staleAfter`. The cached items stay visible throughout.
///
/// `T` is a typed model (`Informer<Pod>`), or `UnstructuredObject` with the resource named at run
/// time (custom resources whose version comes from discovery).
public actor Informer<T: KubeObject> {
    /// The kind listed and watched.
    public nonisolated let resource: ResourceType
    public nonisolated let namespace: String?
    public nonisolated let labelSelector: String?
    public nonisolated let fieldSelector: String?
    private let client: KubeClient
    private let configuration: InformerConfiguration
    private let logger: Logger

    private var store: [String: T] = [:]
    private var state: InformerState = .loading
    private var resourceVersion: String?
    private var listProgress: ListProgress?
    private var subscribers: [UUID: AsyncStream<InformerSnapshot<T>>.Continuation] = [:]
    private var runTask: Task<Void, Never>?
    private var flushPending = false
    private var stopped = false

    public init(client: KubeClient, resource: ResourceType, namespace: String?, labelSelector: String? = nil,
                fieldSelector: String? = nil, configuration: InformerConfiguration = InformerConfiguration(),
                logger: Logger = Logger(label: "kvdeck.kube.informer")) {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts listing and watching; calling it again while running does nothing.
    public func start() {
        guard runTask == nil, !stopped else { return }
        runTask = Task { await self.run() }
    }

    /// Stops the watch and ends every `updates()` stream. The last snapshot stays readable.
    public func stop() {
        stopped = true
        runTask?.cancel()
        runTask = nil
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }

    public func snapshot() -> InformerSnapshot<T> {
        // Sort the keys, not the (key, object) pairs: moving 10,000 large values through a sort
        // and a map cost about 0.2 s per snapshot.
        InformerSnapshot(items: store.keys.sorted().compactMap { store[$0] }, state: state,
                         resourceVersion: resourceVersion, listProgress: listProgress)
    }

    /// Snapshots as the cache changes: the current one first, then one per state change and one
    /// per burst of item changes (coalesced over `coalesceInterval`). By default a slow reader
    /// only gets the newest; pass `.unbounded` to see every snapshot.
    public func updates(bufferingPolicy: AsyncStream<InformerSnapshot<T>>.Continuation.BufferingPolicy = .bufferingNewest(1))
        -> AsyncStream<InformerSnapshot<T>> {
        let (stream, continuation) = AsyncStream<InformerSnapshot<T>>.makeStream(bufferingPolicy: bufferingPolicy)
        continuation.yield(snapshot())
        if stopped {
            continuation.finish()
            return stream
        }
        let id = UUID()
        subscribers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    // MARK: - The list/watch loop

    private func run() async {
        // The first list may be served from the watch cache; after an expiry, a consistent read.
        var listVersion: String? = "0"
        var needsList = true
        var failures = 0
        var disconnectedSince: Date?
        while !Task.isCancelled {
            do {
                if needsList {
                    try await relist(resourceVersion: listVersion)
                    needsList = false
                    failures = 0
                    disconnectedSince = nil
                    setState(.synced)
                }
                let events = try await watchOnce {
                    failures = 0
                    disconnectedSince = nil
                    self.setState(.synced)
                }
                if events == 0 {
                    // A watch the server ended without a single event (a proxy cutting idle
                    // connections, say) must not turn into a tight reconnect loop.
                    try await configuration.sleep(configuration.backoff.delay(attempt: 1, unitRandom: configuration.random()))
                }
            } catch is CancellationError {
                return
            } catch let error as KubeAPIError where error.isExpired {
                logger.info("resourceVersion expired; relisting", metadata: ["kind": "\(resource)"])
                needsList = true
                listVersion = nil
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let since = disconnectedSince ?? configuration.now()
                disconnectedSince = since
                let elapsed = configuration.now().timeIntervalSince(since)
                if elapsed >= Self.seconds(configuration.staleAfter) {
                    setState(.stale(since: since))
                } else {
                    setState(.reconnecting(attempt: failures, lastError: "\(error)"))
                }
                logger.warning("list/watch failed; backing off",
                               metadata: ["kind": "\(resource)", "attempt": "\(failures)", "error": "\(error)"])
                do {
                    try await configuration.sleep(configuration.backoff.delay(attempt: failures, unitRandom: configuration.random()))
                } catch {
                    return
                }
            }
        }
    }

    /// LISTs every page. On the first load items are published as pages arrive; a relist keeps
    /// showing the old items and swaps in the new set once it is complete.
    private func relist(resourceVersion version: String?) async throws {
        let incremental = store.isEmpty
        var options = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector,
                                  limit: configuration.pageSize, resourceVersion: version)
        var fresh: [String: T] = [:]
        var pages = 0
        while true {
            // A page can be the whole list (resourceVersion=0 ignores the limit): count its items
            // as they are decoded, so a long first load shows progress.
            let loaded = fresh.count, pagesBefore = pages
            let page = try await client.list(T.self, resource: resource, namespace: namespace, options: options) { decoded in
                await self.noteListed(pages: pagesBefore, items: loaded + decoded)
            }
            try Task.checkCancellation()
            for item in page.items { fresh[item.metadata.key] = item }
            pages += 1
            listProgress = ListProgress(pagesLoaded: pages, itemsLoaded: fresh.count,
                                        remainingItemCount: page.metadata.remainingItemCount)
            guard let token = page.metadata.continue, !token.isEmpty else {
                store = fresh
                resourceVersion = page.metadata.resourceVersion
                listProgress = nil
                publishSoon()
                return
            }
            if incremental {
                store = fresh
                publishSoon()
            }
            // Later pages carry only the continue token; it pins the list's version.
            options.continueToken = token
            options.resourceVersion = nil
        }
    }

    private func noteListed(pages: Int, items: Int) {
        listProgress = ListProgress(pagesLoaded: pages, itemsLoaded: items,
                                    remainingItemCount: listProgress?.remainingItemCount)
        publishSoon()
    }

    /// One watch from the current version until the server closes it. Returns the number of events.
    private func watchOnce(onOpen: () -> Void) async throws -> Int {
        let range = configuration.watchTimeoutSeconds
        let timeout = range.lowerBound + Int(configuration.random() * Double(range.count)) % range.count
        let events = try await client.openWatch(T.self, resource: resource, namespace: namespace, options: WatchOptions(
            labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: resourceVersion,
            allowBookmarks: true, timeoutSeconds: timeout))
        onOpen()
        var count = 0
        for try await event in events {
            count += 1
            switch event {
            case let .added(object), let .modified(object):
                store[object.metadata.key] = object
                advance(to: object.metadata.resourceVersion)
            case let .deleted(object):
                store[object.metadata.key] = nil
                advance(to: object.metadata.resourceVersion)
            case let .bookmark(version):
                advance(to: version)
                continue
            case let .error(status):
                throw status
            }
            publishSoon()
        }
        try Task.checkCancellation()
        return count
    }

    private func advance(to version: String?) {
        if let version, !version.isEmpty { resourceVersion = version }
    }

    // MARK: - Publishing

    private func setState(_ newState: InformerState) {
        guard newState != state else { return }
        state = newState
        // State changes go out at once, so the screen never shows "live" late or misses a state.
        flushPending = false
        publishNow()
    }

    private func publishSoon() {
        guard !flushPending else { return }
        flushPending = true
        let interval = configuration.coalesceInterval
        Task {
            try? await Task.sleep(for: interval)
            self.flush()
        }
    }

    private func flush() {
        guard flushPending else { return }
        flushPending = false
        publishNow()
    }

    private func publishNow() {
        guard !subscribers.isEmpty else { return }
        let current = snapshot()
        for continuation in subscribers.values { continuation.yield(current) }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

extension Informer where T: KubeResource {
    /// An informer of a typed model's own kind.
    public init(client: KubeClient, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                configuration: InformerConfiguration = InformerConfiguration(),
                logger: Logger = Logger(label: "kvdeck.kube.informer")) {
        self.init(client: client, resource: T.resourceType, namespace: namespace, labelSelector: labelSelector,
                  fieldSelector: fieldSelector, configuration: configuration, logger: logger)
    }
}
