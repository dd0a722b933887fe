import Foundation
import YAML

/// Where an object lives: its group and plural resource (`apps/deployments`, `pods` for the core
/// group), its namespace ("" for cluster-scoped kinds) and its name.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public var groupResource: String
    public var namespace: String
    public var name: String

    public init(groupResource: String, namespace: String, name: String) {
        self.groupResource = groupResource
        self.namespace = namespace
        self.name = name
    }

    /// The key's place in a list: "name" in one namespace, "namespace/name" across namespaces,
    /// which is also the order etcd returns them in.
    var sortKey: String { namespace.isEmpty ? name : namespace + "/" + name }
    public var description: String { "\(groupResource) \(sortKey)" }
}

/// One write, as a watch sees it.
public struct StoredChange: Sendable {
    public enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
    public var kind: Kind
    public var key: ObjectKey
    /// The object after the write; for DELETED, the last state with the deletion's resourceVersion.
    public var object: JSONValue
    /// The object before the write (nil for ADDED), so a list can be served as of an older revision.
    public var previous: JSONValue?
    public var resourceVersion: Int64
}

/// How a delete treats the objects that name the deleted one in `ownerReferences`.
public enum PropagationPolicy: String, Sendable {
    case background = "Background", foreground = "Foreground", orphan = "Orphan"
}

/// What the store refuses, for the API layer to turn into a Status.
public enum StoreError: Error, Equatable, Sendable {
    case notFound
    case alreadyExists
    case conflict
    /// The requested revision is older than the retained history (etcd's compaction).
    case expired(requested: Int64, oldest: Int64)
}

/// The cluster's state: objects as JSON trees, one revision counter for every write (as etcd's),
/// and a bounded history of changes for watches and for lists served as of an older revision.
///
/// Every write stamps `metadata.resourceVersion` with the new revision; creates also stamp
/// `uid` and `creationTimestamp`, and `generation` for kinds that track it. Writes are atomic:
/// a read-modify-write (`update(_:transform:)`) runs inside the actor.
public actor ObjectStore {
    private var objects: [String: [ObjectKey: JSONValue]] = [:]
    private var revision: Int64
    private var history: [StoredChange] = []
    private var historyStart = 0
    private let historyCapacity: Int
    /// The oldest revision a watch or list can start from; older ones are "compacted".
    private var compactedRevision: Int64
    private var watchers: [UUID: Watcher] = [:]
    private let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - historyCapacity: how many changes are kept for watches (etcd keeps about 5 minutes).
    ///   - initialRevision: the revision before the first write.
    ///   - clock: the time stamped into creationTimestamp (injectable for tests).
    public init(historyCapacity: Int = 10_000, initialRevision: Int64 = 1, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.historyCapacity = max(1, historyCapacity)
        self.revision = initialRevision
        self.compactedRevision = initialRevision
        self.clock = clock
    }

    /// The revision of the last write.
    public var currentRevision: Int64 { revision }

    /// The oldest revision from which changes can still be replayed.
    public var oldestReplayableRevision: Int64 { compactedRevision }

    public func get(_ key: ObjectKey) -> JSONValue? {
        objects[key.groupResource]?[key]
    }

    /// Objects of a resource (in one namespace, or all when nil), sorted as etcd lists them,
    /// as of `revision` when given (reconstructed from the history), else now.
    public func list(_ groupResource: String, namespace: String?, atRevision: Int64? = nil) throws(StoreError) -> (items: [(key: ObjectKey, object: JSONValue)], revision: Int64) {
        var current = objects[groupResource] ?? [:]
        var listRevision = revision
        if let atRevision, atRevision < revision {
            guard atRevision >= compactedRevision else { throw .expired(requested: atRevision, oldest: compactedRevision) }
            for change in orderedHistory().reversed() where change.resourceVersion > atRevision {
                guard change.key.groupResource == groupResource else { continue }
                current[change.key] = change.previous
            }
            listRevision = atRevision
        }
        let items = current
            .filter { namespace == nil || $0.key.namespace == namespace }
            .map { (key: $0.key, object: $0.value) }
            .sorted { $0.key.sortKey < $1.key.sortKey }
        return (items, listRevision)
    }

    /// Stores a new object. With `dryRun` the object is stamped as it would be but not stored.
    public func create(_ key: ObjectKey, _ object: JSONValue, tracksGeneration: Bool, dryRun: Bool = false) throws(StoreError) -> JSONValue {
        if objects[key.groupResource]?[key] != nil { throw .alreadyExists }
        var stored = object
        var metadata = stored["metadata"] ?? .object(JSONObject())
        metadata["uid"] = .string(UUID().uuidString.lowercased())
        metadata["creationTimestamp"] = .string(Self.timestamp(clock()))
        if tracksGeneration { metadata["generation"] = .int(1) } else { metadata["generation"] = nil }
        metadata["deletionTimestamp"] = nil
        stored["metadata"] = metadata
        if dryRun {
            stored["metadata"]?["resourceVersion"] = nil
            return stored
        }
        return commit(.added, key, stored, previous: nil)
    }

    /// Replaces an object through `transform`, which sees the stored object. When the result
    /// carries a non-empty `metadata.resourceVersion`, it must equal the stored one (optimistic
    /// concurrency); identity fields (uid, creationTimestamp, generation) are kept from the
    /// stored object, and generation is bumped when `spec` changed. An unchanged object is
    /// not written (no new revision), as the real server skips no-op updates.
    public func update(_ key: ObjectKey, tracksGeneration: Bool, dryRun: Bool = false,
                       transform: @Sendable (JSONValue) throws -> JSONValue) throws -> JSONValue {
        guard let old = objects[key.groupResource]?[key] else { throw StoreError.notFound }
        var new = try transform(old)
        if let sent = new["metadata"]?["resourceVersion"]?.stringValue, !sent.isEmpty,
           sent != old["metadata"]?["resourceVersion"]?.stringValue {
            throw StoreError.conflict
        }
        var metadata = new["metadata"] ?? .object(JSONObject())
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "resourceVersion"] {
            metadata[field] = old["metadata"]?[field]
        }
        metadata["name"] = .string(key.name)
        if !key.namespace.isEmpty { metadata["namespace"] = .string(key.namespace) }
        if tracksGeneration, new["spec"] != old["spec"] {
            metadata["generation"] = .int((old["metadata"]?["generation"]?.intValue ?? 0) + 1)
        }
        new["metadata"] = metadata
        if new == old || dryRun { return new }
        return commit(.modified, key, new, previous: old)
    }

    /// Deletes an object and, unless `propagation` is `.orphan`, every object that names it (or
    /// a deleted dependent) as an owner, as the garbage collector would; with `.orphan` the
    /// dependents lose their ownerReference to it. Returns the deleted object.
    public func delete(_ key: ObjectKey, propagation: PropagationPolicy = .background, dryRun: Bool = false,
                       precondition: (uid: String?, resourceVersion: String?) = (nil, nil)) throws(StoreError) -> JSONValue {
        guard let old = objects[key.groupResource]?[key] else { throw .notFound }
        if let uid = precondition.uid, uid != old["metadata"]?["uid"]?.stringValue { throw .conflict }
        if let rv = precondition.resourceVersion, rv != old["metadata"]?["resourceVersion"]?.stringValue { throw .conflict }
        if dryRun { return old }
        let deleted = remove(key, old)
        let uid = old["metadata"]?["uid"]?.stringValue ?? ""
        switch propagation {
        case .orphan:
            for (dependentKey, dependent) in dependents(of: uid, namespace: key.namespace) {
                var changed = dependent
                let refs = dependent["metadata"]?["ownerReferences"]?.arrayValue ?? []
                let kept = refs.filter { $0["uid"]?.stringValue != uid }
                changed["metadata"]?["ownerReferences"] = kept.isEmpty ? nil : .array(kept)
                commit(.modified, dependentKey, changed, previous: dependent)
            }
        case .background, .foreground:
            collectGarbage(ownerUID: uid, namespace: key.namespace)
        }
        if key.groupResource == "namespaces" {
            for (resource, byKey) in objects {
                for (k, object) in byKey where k.namespace == key.name {
                    _ = resource
                    remove(k, object)
                }
            }
        }
        return deleted
    }

    /// Graceful deletion, as kube-apiserver's `rest.BeforeDelete` does it for pods: the object
    /// gets `deletionTimestamp` (now + grace) and `deletionGracePeriodSeconds` and stays until
    /// its kubelet is done with it. An object already being deleted may only have its grace
    /// period shortened; a longer or equal one changes nothing (`changed` is false). The caller
    /// removes the object itself when the grace period is 0.
    public func beginGracefulDeletion(_ key: ObjectKey, gracePeriodSeconds: Int64, now: Date,
                                      precondition: (uid: String?, resourceVersion: String?) = (nil, nil))
        throws(StoreError) -> (object: JSONValue, changed: Bool) {
        guard let old = objects[key.groupResource]?[key] else { throw .notFound }
        if let uid = precondition.uid, uid != old["metadata"]?["uid"]?.stringValue { throw .conflict }
        if let rv = precondition.resourceVersion, rv != old["metadata"]?["resourceVersion"]?.stringValue { throw .conflict }
        let grace = max(gracePeriodSeconds, 0)
        var new = old
        if !(old["metadata"]?["deletionTimestamp"]?.isNull ?? true) {
            let current = old["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 0
            guard grace < current else { return (old, false) }
        } else if let generation = old["metadata"]?["generation"]?.intValue, generation > 0 {
            // BeforeDelete counts the start of a graceful deletion as a new generation.
            new["metadata"]?["generation"] = .int(generation + 1)
        }
        new["metadata"]?["deletionTimestamp"] = .string(Self.timestamp(now.addingTimeInterval(TimeInterval(grace))))
        new["metadata"]?["deletionGracePeriodSeconds"] = .int(grace)
        return (commit(.modified, key, new, previous: old), true)
    }

    /// Every change from now on, for in-process controllers, filtered by resource when given.
    /// The stream ends when the consumer stops iterating.
    public func changes(of groupResource: String? = nil) -> AsyncStream<StoredChange> {
        let (stream, continuation) = AsyncStream<StoredChange>.makeStream(bufferingPolicy: .unbounded)
        let id = UUID()
        watchers[id] = Watcher(groupResource: groupResource, deliver: { signal in
            if case .change(let change) = signal { continuation.yield(change) }
        })
        continuation.onTermination = { [weak self] _ in
            Task { await self?.endWatch(id) }
        }
        return stream
    }

    /// The retained changes of a resource after `revision` (exclusive), and a live stream of
    /// what follows, registered atomically so nothing falls between them.
    public func watch(_ groupResource: String, after revision: Int64) throws(StoreError) -> WatchRegistration {
        guard revision >= compactedRevision else { throw .expired(requested: revision, oldest: compactedRevision) }
        let replay = orderedHistory().filter { $0.resourceVersion > revision && $0.key.groupResource == groupResource }
        return register(groupResource, replay: replay, snapshot: [])
    }

    /// The current objects of a resource and a live stream of what follows (a watch without a
    /// resourceVersion, or from 0: synthetic ADDED events first).
    public func watchFromNow(_ groupResource: String) throws(StoreError) -> WatchRegistration {
        let snapshot = try list(groupResource, namespace: nil).items.map { ($0.key, $0.object) }
        return register(groupResource, replay: [], snapshot: snapshot)
    }

    /// Sends a BOOKMARK with the current revision to one watcher, in order after every change
    /// already delivered to it, so its revision is a safe resume point.
    public func requestBookmark(_ id: UUID) {
        watchers[id]?.deliver(.bookmark(revision))
    }

    /// Unregisters a watcher and ends its stream.
    public func endWatch(_ id: UUID) {
        if let watcher = watchers.removeValue(forKey: id) { watcher.finish?() }
    }

    /// How many live watchers are registered (for tests: a finished watch must unregister).
    public var watcherCount: Int { watchers.count }

    private func register(_ groupResource: String, replay: [StoredChange], snapshot: [(ObjectKey, JSONValue)]) -> WatchRegistration {
        let (stream, continuation) = AsyncStream<WatchSignal>.makeStream(bufferingPolicy: .unbounded)
        let id = UUID()
        watchers[id] = Watcher(groupResource: groupResource, deliver: { continuation.yield($0) }, finish: { continuation.finish() })
        continuation.onTermination = { [weak self] _ in
            Task { await self?.endWatch(id) }
        }
        return WatchRegistration(id: id, replay: replay, snapshot: snapshot, revision: revision, signals: stream)
    }

    // MARK: - Internals

    private func dependents(of uid: String, namespace: String) -> [(ObjectKey, JSONValue)] {
        guard !uid.isEmpty else { return [] }
        var found: [(ObjectKey, JSONValue)] = []
        for byKey in objects.values {
            for (k, object) in byKey where namespace.isEmpty || k.namespace == namespace || k.namespace.isEmpty {
                let refs = object["metadata"]?["ownerReferences"]?.arrayValue ?? []
                if refs.contains(where: { $0["uid"]?.stringValue == uid }) { found.append((k, object)) }
            }
        }
        return found.sorted { $0.0.sortKey < $1.0.sortKey }
    }

    private func collectGarbage(ownerUID: String, namespace: String) {
        for (k, dependent) in dependents(of: ownerUID, namespace: namespace) {
            guard objects[k.groupResource]?[k] != nil else { continue }
            // A dependent with another owner that still exists is kept, as the real GC does.
            let refs = dependent["metadata"]?["ownerReferences"]?.arrayValue ?? []
            let otherOwners = refs.compactMap { $0["uid"]?.stringValue }.filter { $0 != ownerUID }
            if otherOwners.contains(where: { uidExists($0) }) {
                var changed = dependent
                let kept = refs.filter { $0["uid"]?.stringValue != ownerUID }
                changed["metadata"]?["ownerReferences"] = .array(kept)
                commit(.modified, k, changed, previous: dependent)
                continue
            }
            remove(k, dependent)
            collectGarbage(ownerUID: dependent["metadata"]?["uid"]?.stringValue ?? "", namespace: k.namespace)
        }
    }

    private func uidExists(_ uid: String) -> Bool {
        objects.values.contains { $0.values.contains { $0["metadata"]?["uid"]?.stringValue == uid } }
    }

    @discardableResult
    private func remove(_ key: ObjectKey, _ old: JSONValue) -> JSONValue {
        objects[key.groupResource]?[key] = nil
        return commit(.deleted, key, old, previous: old)
    }

    @discardableResult
    private func commit(_ kind: StoredChange.Kind, _ key: ObjectKey, _ object: JSONValue, previous: JSONValue?) -> JSONValue {
        revision += 1
        var stamped = object
        stamped["metadata"]?["resourceVersion"] = .string(String(revision))
        if kind != .deleted { objects[key.groupResource, default: [:]][key] = stamped }
        let change = StoredChange(kind: kind, key: key, object: stamped, previous: previous, resourceVersion: revision)
        if history.count < historyCapacity {
            history.append(change)
        } else {
            // Ring: overwrite the oldest; what it described can no longer be replayed.
            compactedRevision = history[historyStart].resourceVersion
            history[historyStart] = change
            historyStart = (historyStart + 1) % historyCapacity
        }
        for (_, watcher) in watchers where watcher.groupResource == nil || watcher.groupResource == key.groupResource {
            watcher.deliver(.change(change))
        }
        return stamped
    }

    private func orderedHistory() -> [StoredChange] {
        Array(history[historyStart...] + history[..<historyStart])
    }

    /// RFC 3339 in UTC with whole seconds, as Kubernetes writes metav1.Time.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// What a watcher receives: changes, and bookmarks it asked for.
public enum WatchSignal: Sendable {
    case change(StoredChange)
    case bookmark(Int64)
}

/// A registered watch: what to send first, and the live signals after it.
public struct WatchRegistration: Sendable {
    public var id: UUID
    /// Retained changes after the requested revision.
    public var replay: [StoredChange]
    /// The current objects, for a watch from "now" (sent as ADDED).
    public var snapshot: [(ObjectKey, JSONValue)]
    /// The revision at registration.
    public var revision: Int64
    public var signals: AsyncStream<WatchSignal>
}

struct Watcher {
    var groupResource: String?
    var deliver: @Sendable (WatchSignal) -> Void
    var finish: (@Sendable () -> Void)? = nil
}
