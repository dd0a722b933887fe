import Foundation
import Kube
import YAML

/// The Kubernetes API subset of the local cluster, over an in-memory `ObjectStore`: discovery,
/// get/list/watch, create/update/patch/delete with the real server's semantics and error
/// Statuses, the scale and status subresources, and server-side Tables. No HTTP here: the
/// HTTPS front hands each authenticated request to `handle(_:)`.
///
/// Where it is simpler than kube-apiserver, on purpose:
/// - `/version` says `v1.36.2-kvdeck+local` (the recorded server's version, marked as ours).
/// - Server-side apply merges the applied fields into the live object (lists by their merge
///   keys for built-in kinds) and records a managedFields entry; it does not track field
///   ownership, so it never answers an apply conflict and never removes fields a manager stopped applying.
/// - Pods are deleted gracefully (deletion timestamp, then the kubelet's final delete); other
///   deletes are immediate (no foreground finalizer), and dependents, pods included, are
///   collected in the same step unless the policy is Orphan. Deleting a namespace removes its contents.
/// - Defaulting and validation cover what kubectl and the console observe, not the whole API.
/// - OpenAPI v3 only (`OpenAPIDocuments`); pods/log and the proxy paths go to `podEndpoints`.
/// - Authorization is a fixed table (`LocalUsers`): administrators, and restricted users with the
///   ClusterRole `view`; resource requests are checked, non-resource paths (discovery) are not.
/// - A PersistentVolumeClaim is Bound as it is created (`Defaulting`); PodDisruptionBudget status
///   comes from the disruption controller (`DisruptionBudgetController`).
public final class LocalAPI: APIRequestHandler {
    public let store: ObjectStore
    public let catalog: ResourceCatalog
    /// How often a watch that allows bookmarks gets one (the real server: about every minute;
    /// kubectl does not depend on the interval).
    let bookmarkInterval: Duration
    let serverAddress: String
    let clock: @Sendable () -> Date
    let podEndpoints: PodEndpoints?
    /// Who each authenticated user is and what RBAC lets it do.
    public let users: LocalUsers

    /// Serves the subresources that need a running pod (`pods/log`, `pods/proxy`, `services/proxy`,
    /// `nodes/proxy`): the kubelet stand-in answers them. Called after the pod (or service, node)
    /// is known to exist; without one they answer 404 as an unreachable kubelet would not, but
    /// as this layer alone must.
    public typealias PodEndpoints = @Sendable (_ request: ServerRequest, _ resource: ServedResource, _ object: JSONValue,
                                               _ subresourcePath: String) async -> ServerResponse

    public init(store: ObjectStore = ObjectStore(), catalog: ResourceCatalog = .standard,
                bookmarkInterval: Duration = .seconds(10), serverAddress: String = "127.0.0.1:6443",
                clock: @escaping @Sendable () -> Date = { Date() }, podEndpoints: PodEndpoints? = nil,
                users: LocalUsers = .standard) {
        self.store = store
        self.catalog = catalog
        self.bookmarkInterval = bookmarkInterval
        self.serverAddress = serverAddress
        self.clock = clock
        self.podEndpoints = podEndpoints
        self.users = users
    }

    public func handle(_ request: ServerRequest) async -> ServerResponse {
        do {
            return try await route(request)
        } catch let error as APIStatusError {
            return Self.statusResponse(error)
        } catch {
            return Self.statusResponse(.internalError("\(error)"))
        }
    }

    // MARK: - Routing

    private func route(_ request: ServerRequest) async throws -> ServerResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let accept = request.header("Accept") ?? ""
        let wantsAggregated = accept.contains("as=APIGroupDiscoveryList") && accept.contains("v=v2;")
            || accept.contains("as=APIGroupDiscoveryList") && accept.hasSuffix("v=v2")
        switch parts.first {
        case "version" where parts.count == 1:
            return Self.json(ResourceCatalog.versionInfo, pretty: true)
        case "api":
            if parts.count == 1 {
                return wantsAggregated ? Self.aggregated(catalog.aggregated(core: true), ifNoneMatch: request.header("If-None-Match"))
                    : Self.json(catalog.legacyCoreVersions(serverAddress: serverAddress))
            }
            guard parts[1] == "v1" else { return Self.pageNotFound() }
            if parts.count == 2 { return Self.json(catalog.resourceList(group: "", version: "v1")!) }
            return try await resourceRequest(request, group: "", version: "v1", rest: Array(parts.dropFirst(2)))
        case "apis":
            if parts.count == 1 {
                return wantsAggregated ? Self.aggregated(catalog.aggregated(core: false), ifNoneMatch: request.header("If-None-Match"))
                    : Self.json(catalog.legacyGroupList())
            }
            let group = parts[1]
            if parts.count == 2 {
                guard let doc = catalog.apiGroup(group) else { return Self.pageNotFound() }
                return Self.json(doc)
            }
            let version = parts[2]
            guard catalog.hasGroupVersion(group: group, version: version) else { return Self.pageNotFound() }
            if parts.count == 3 { return Self.json(catalog.resourceList(group: group, version: version)!) }
            return try await resourceRequest(request, group: group, version: version, rest: Array(parts.dropFirst(3)))
        case "openapi" where parts.count >= 2 && parts[1] == "v3":
            return OpenAPIDocuments(catalog: catalog).response(path: parts.dropFirst(2).joined(separator: "/"), request: request, now: clock())
        default:
            return Self.pageNotFound()
        }
    }

    /// `rest` is what follows the group version: `[namespaces, NS,] RESOURCE [, NAME [, SUB...]]`.
    private func resourceRequest(_ request: ServerRequest, group: String, version: String, rest: [String]) async throws -> ServerResponse {
        var rest = rest
        var namespace: String?
        if rest.count >= 3, rest[0] == "namespaces",
           let candidate = catalog.resource(group: group, version: version, plural: rest[2]), candidate.namespaced {
            namespace = rest[1]
            rest.removeFirst(2)
        }
        guard let resource = catalog.resource(group: group, version: version, plural: rest[0]) else {
            throw APIStatusError.resourceNotFound
        }
        if resource.namespaced && namespace == nil && rest.count > 1 { throw APIStatusError.resourceNotFound }
        let name = rest.count > 1 ? rest[1] : nil
        let subresource = rest.count > 2 ? rest[2...].joined(separator: "/") : nil
        let context = RequestContext(request: request, resource: resource, namespace: namespace, name: name)
        let identity = users.identity(of: request.user)
        let attributes = AccessAttributes(
            verb: AccessAttributes.verb(method: request.method, hasName: name != nil, isWatch: context.isWatch),
            group: group, resource: resource.plural,
            subresource: subresource.flatMap { $0.split(separator: "/").first.map(String.init) } ?? "",
            namespace: namespace ?? "", name: name ?? "")
        guard identity.grant.allows(attributes) else { throw APIStatusError.forbidden(attributes, user: identity.username) }
        if AccessReviews.handles(resource) { return try AccessReviews.answer(context, identity: identity, now: clock()) }

        if let subresource {
            // `pods/NAME:PORT/proxy/...`: the port rides on the name.
            guard let name, let sub = subresource.split(separator: "/").first.map(String.init),
                  resource.subresources.contains(sub) else { throw APIStatusError.resourceNotFound }
            switch sub {
            case "scale": return try await scale(context)
            case "status": return try await statusSubresource(context)
            case "binding" where resource.plural == "pods" && resource.group.isEmpty: return try await bind(context, name: name)
            default:
                // `[scheme:]NAME[:PORT]`: with three parts the name is the middle one.
                let idParts = name.split(separator: ":", omittingEmptySubsequences: false)
                let objectName = sub == "proxy" ? String(idParts.count == 3 ? idParts[1] : idParts[0]) : name
                guard let object = await store.get(context.key(objectName)) else { throw APIStatusError.notFound(resource, objectName) }
                guard let podEndpoints else { throw APIStatusError.resourceNotFound }
                return await podEndpoints(request, resource, object, subresource)
            }
        }

        switch (request.method, name) {
        case ("GET", nil):
            if context.isWatch { return try await watch(context) }
            return try await list(context)
        case ("GET", let name?): return try await get(context, name: name)
        case ("POST", nil): return try await create(context)
        case ("PUT", let name?): return try await update(context, name: name)
        case ("PATCH", let name?): return try await patch(context, name: name)
        case ("DELETE", let name?): return try await delete(context, name: name)
        case ("DELETE", nil): return try await deleteCollection(context)
        default: throw APIStatusError.methodNotAllowed
        }
    }

    /// POST pods/NAME/binding, as the scheduler binds: `spec.nodeName` and the PodScheduled
    /// condition in one write (the pod registry's assignPod: no generation bump, no managedFields
    /// entry), 409 if the pod already has a node.
    private func bind(_ context: RequestContext, name: String) async throws -> ServerResponse {
        guard context.request.method == "POST" else { throw APIStatusError.methodNotAllowed }
        guard let binding = try? JSONValue(json: context.request.body) else {
            throw APIStatusError.badRequest("the body of the request was in an unknown format")
        }
        guard let node = binding["target"]?["name"]?.stringValue, !node.isEmpty else {
            throw APIStatusError.invalid(kind: "Binding", group: "", name: name, field: "target.name", detail: "Required value")
        }
        if let kind = binding["target"]?["kind"]?.stringValue, !kind.isEmpty, kind != "Node" {
            throw APIStatusError.invalid(kind: "Binding", group: "", name: name, field: "target.kind",
                                         detail: "Unsupported value: \"\(kind)\": supported values: \"Node\"")
        }
        let now = clock()
        do {
            _ = try await store.update(context.key(name), tracksGeneration: false, dryRun: context.dryRun) { old in
                if let current = old["spec"]?["nodeName"]?.stringValue, !current.isEmpty {
                    throw APIStatusError(code: 409, reason: "Conflict",
                                         message: "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(current)\"")
                }
                var new = old
                new["spec"]?["nodeName"] = .string(node)
                new["status"]?["conditions"] = .array(PodConditions.set(old["status"]?["conditions"], type: "PodScheduled",
                                                                        status: "True", now: now))
                return new
            }
        } catch StoreError.notFound {
            throw APIStatusError.notFound(context.resource, name)
        }
        return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success", "code": 201],
                         status: 201)
    }

    // MARK: - Reads

    private func get(_ context: RequestContext, name: String) async throws -> ServerResponse {
        guard let object = await store.get(context.key(name)) else { throw APIStatusError.notFound(context.resource, name) }
        if context.wantsTable { return Self.json(try TablePrinter.table(for: [object], resource: context.resource, catalog: catalog, listMetadata: ["resourceVersion": object["metadata"]?["resourceVersion"] ?? ""], includeObject: context.includeObject, now: clock())) }
        return Self.json(object)
    }

    private func list(_ context: RequestContext) async throws -> ServerResponse {
        let labelSelector = try context.labelSelector()
        let fieldSelector = try context.fieldSelector()
        let request = context.request
        let limit = request.queryValue("limit").flatMap(Int.init) ?? 0
        var listed: (items: [(key: ObjectKey, object: JSONValue)], revision: Int64)
        var startAfter: String?
        if let token = request.queryValue("continue"), !token.isEmpty {
            guard let decoded = ContinueToken(encoded: token) else { throw APIStatusError.badRequest("continue key is not valid: illegal base64 data") }
            startAfter = decoded.start
            if decoded.revision <= 0 {
                listed = try await store.list(context.resource.groupResource, namespace: context.namespace)
            } else {
                do {
                    listed = try await store.list(context.resource.groupResource, namespace: context.namespace, atRevision: decoded.revision)
                } catch StoreError.expired {
                    throw APIStatusError.expiredContinue(freshToken: ContinueToken(revision: -1, start: decoded.start).encoded)
                }
            }
        } else if let rv = request.queryValue("resourceVersion"), !rv.isEmpty, rv != "0",
                  request.queryValue("resourceVersionMatch") == "Exact", let revision = Int64(rv) {
            do {
                listed = try await store.list(context.resource.groupResource, namespace: context.namespace, atRevision: revision)
            } catch StoreError.expired(let requested, let oldest) {
                throw APIStatusError.tooOldResourceVersion(requested, oldest: oldest)
            }
        } else {
            listed = try await store.list(context.resource.groupResource, namespace: context.namespace)
        }
        var items = listed.items.filter { labelSelector?.matches(object: $0.object) ?? true }
            .filter { fieldSelector?.matches($0.object) ?? true }
        if let startAfter {
            let relative: (ObjectKey) -> String = { context.namespace == nil ? $0.sortKey : $0.name }
            items = items.filter { relative($0.key) + "\u{0}" > startAfter }
        }
        // resourceVersion=0 is served from the watch cache, which ignores limit (as recorded).
        let servedFromCache = request.queryValue("resourceVersion") == "0"
        var metadata = JSONObject()
        metadata["resourceVersion"] = .string(String(listed.revision))
        if limit > 0, !servedFromCache, items.count > limit {
            let last = items[limit - 1].key
            let start = (context.namespace == nil ? last.sortKey : last.name) + "\u{0}"
            metadata["continue"] = .string(ContinueToken(revision: listed.revision, start: start).encoded)
            if fieldSelector == nil && labelSelector == nil {
                metadata["remainingItemCount"] = .int(Int64(items.count - limit))
            }
            items = Array(items.prefix(limit))
        }
        let objects = items.map(\.object)
        if context.wantsTable {
            return Self.json(try TablePrinter.table(for: objects, resource: context.resource, catalog: catalog,
                                                    listMetadata: .object(metadata), includeObject: context.includeObject, now: clock()))
        }
        let listItems: [JSONValue] = objects.map { o in
            var item = o
            item["kind"] = nil
            item["apiVersion"] = nil
            return item
        }
        let list: JSONValue = ["kind": .string(context.resource.kind + "List"), "apiVersion": .string(context.resource.apiVersion),
                               "metadata": .object(metadata), "items": .array(listItems)]
        return Self.json(list)
    }

    // MARK: - Watch

    private func watch(_ context: RequestContext) async throws -> ServerResponse {
        let labelSelector = try context.labelSelector()
        let fieldSelector = try context.fieldSelector()
        let request = context.request
        let rvText = request.queryValue("resourceVersion") ?? ""
        let allowBookmarks = ["true", "1"].contains(request.queryValue("allowWatchBookmarks") ?? "")
        let timeout = request.queryValue("timeoutSeconds").flatMap(Int.init)
        let resource = context.resource
        let namespace = context.namespace
        let store = self.store
        let bookmarkInterval = self.bookmarkInterval

        let matches: @Sendable (JSONValue?) -> Bool = { object in
            guard let object else { return false }
            if let namespace, object["metadata"]?["namespace"]?.stringValue != namespace { return false }
            return (labelSelector?.matches(object: object) ?? true) && (fieldSelector?.matches(object) ?? true)
        }

        var initial: [Data] = []
        let registration: WatchRegistration
        if rvText.isEmpty || rvText == "0" {
            registration = try await store.watchFromNow(resource.groupResource)
            for (_, object) in registration.snapshot where matches(object) {
                initial.append(Self.watchEvent("ADDED", object))
            }
        } else {
            guard let revision = Int64(rvText) else {
                throw APIStatusError.badRequest("resourceVersion: Invalid value: \"\(rvText)\": must be a decimal integer")
            }
            do {
                registration = try await store.watch(resource.groupResource, after: revision)
            } catch StoreError.expired(let requested, let oldest) {
                // As the real server: 200, one ERROR event with a 410 Status, then the end.
                let event = Self.watchEvent("ERROR", APIStatusError.tooOldResourceVersion(requested, oldest: oldest).status)
                let (stream, continuation) = AsyncStream<Data>.makeStream()
                continuation.yield(event)
                continuation.finish()
                return ServerResponse(status: 200, headers: Self.headers(contentType: "application/json"), body: .stream(stream))
            }
            for change in registration.replay {
                if let data = Self.render(change, matches: matches) { initial.append(data) }
            }
        }

        let (stream, continuation) = AsyncStream<Data>.makeStream(bufferingPolicy: .unbounded)
        for data in initial { continuation.yield(data) }
        let watcherID = registration.id
        let signals = registration.signals
        let bookmarkKind = resource.kind
        let bookmarkAPIVersion = resource.apiVersion
        let pump = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await signal in signals {
                        switch signal {
                        case .change(let change):
                            if let data = Self.render(change, matches: matches) { continuation.yield(data) }
                        case .bookmark(let revision):
                            let object: JSONValue = ["kind": .string(bookmarkKind), "apiVersion": .string(bookmarkAPIVersion),
                                                     "metadata": ["resourceVersion": .string(String(revision))]]
                            continuation.yield(Self.watchEvent("BOOKMARK", object))
                        }
                    }
                }
                if allowBookmarks {
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: bookmarkInterval)
                            if Task.isCancelled { break }
                            await store.requestBookmark(watcherID)
                        }
                    }
                }
                if let timeout, timeout > 0 {
                    group.addTask { try? await Task.sleep(for: .seconds(timeout)) }
                }
                await group.next()
                group.cancelAll()
            }
            await store.endWatch(watcherID)
            continuation.finish()
        }
        continuation.onTermination = { _ in pump.cancel() }
        return ServerResponse(status: 200, headers: Self.headers(contentType: "application/json"), body: .stream(stream))
    }

    /// A stored change as this watcher sees it: an object leaving its selector is DELETED for
    /// it, one entering is ADDED, as the real watch cache filters.
    static func render(_ change: StoredChange, matches: (JSONValue?) -> Bool) -> Data? {
        let now = matches(change.object)
        switch change.kind {
        case .added: return now ? watchEvent("ADDED", change.object) : nil
        case .deleted: return matches(change.previous) ? watchEvent("DELETED", change.object) : nil
        case .modified:
            let before = matches(change.previous)
            switch (before, now) {
            case (true, true): return watchEvent("MODIFIED", change.object)
            case (false, true): return watchEvent("ADDED", change.object)
            case (true, false): return watchEvent("DELETED", change.object)
            case (false, false): return nil
            }
        }
    }

    static func watchEvent(_ type: String, _ object: JSONValue) -> Data {
        var data = JSONValue.object(["type": .string(type), "object": object]).jsonData()
        data.append(0x0A)
        return data
    }

    // MARK: - Writes

    private func create(_ context: RequestContext) async throws -> ServerResponse {
        let resource = context.resource
        var object = try context.bodyObject()
        object = try prepareIncoming(object, context: context, name: nil)
        var name = object["metadata"]?["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = object["metadata"]?["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + Self.randomSuffix()
            object["metadata"]?["name"] = .string(name)
        }
        try Validation.validateName(name, resource: resource)
        try Validation.validate(object, resource: resource, name: name)
        try await requireNamespace(context)
        object = Defaulting.apply(object, resource: resource)
        object = ManagedFields.record(object, manager: context.fieldManager, operation: "Update",
                                      apiVersion: resource.apiVersion, subresource: nil, fields: object, now: clock())
        do {
            let stored = try await store.create(context.key(name), object, tracksGeneration: resource.tracksGeneration, dryRun: context.dryRun)
            return Self.json(stored, status: 201)
        } catch StoreError.alreadyExists {
            throw APIStatusError.alreadyExists(resource, name)
        }
    }

    private func update(_ context: RequestContext, name: String) async throws -> ServerResponse {
        let resource = context.resource
        let body = try prepareIncoming(try context.bodyObject(), context: context, name: name)
        try Validation.validate(body, resource: resource, name: name)
        let manager = context.fieldManager
        let now = clock()
        let stored = try await write(context, name: name) { old in
            var new = body
            // The main resource ignores status changes where status is a subresource.
            if resource.subresources.contains("status") { new["status"] = old["status"] }
            return ManagedFields.record(new, manager: manager, operation: "Update", apiVersion: resource.apiVersion,
                                        subresource: nil, fields: body, now: now)
        }
        return Self.json(stored)
    }

    private func patch(_ context: RequestContext, name: String, subresource: String? = nil) async throws -> ServerResponse {
        let resource = context.resource
        let request = context.request
        let contentType = (request.header("Content-Type") ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let kind: PatchKind
        switch contentType {
        case "application/json-patch+json": kind = .json
        case "application/merge-patch+json": kind = .merge
        case "application/strategic-merge-patch+json":
            if resource.isCustom { throw APIStatusError.strategicMergeOnCustomResource }
            kind = .strategic
        case "application/apply-patch+yaml", "application/apply-patch+json": kind = .apply
        default: throw APIStatusError.unsupportedMediaType
        }
        let patchBody: JSONValue
        do {
            if kind == .apply {
                patchBody = try YAML.parse(String(decoding: request.body, as: UTF8.self))
            } else {
                patchBody = try JSONValue(json: request.body)
            }
        } catch {
            throw APIStatusError.badRequest(request.body.isEmpty || kind != .apply ? "error decoding patch: unexpected end of JSON input" : "error decoding YAML: \(error)")
        }
        if kind == .apply {
            guard let manager = request.queryValue("fieldManager"), !manager.isEmpty else {
                throw APIStatusError.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "", field: "fieldManager", detail: "Required value: is required for apply patch")
            }
            if await store.get(context.key(name)) == nil, subresource == nil {
                // Apply creates what does not exist.
                var object = patchBody
                object = try prepareIncoming(object, context: context, name: name)
                try Validation.validate(object, resource: resource, name: name)
                try await requireNamespace(context)
                object = Defaulting.apply(object, resource: resource)
                object = ManagedFields.record(object, manager: manager, operation: "Apply", apiVersion: resource.apiVersion,
                                              subresource: nil, fields: patchBody, now: clock())
                let stored = try await store.create(context.key(name), object, tracksGeneration: resource.tracksGeneration, dryRun: context.dryRun)
                return Self.json(stored, status: 201)
            }
        }
        let manager = kind == .apply ? (request.queryValue("fieldManager") ?? "") : context.fieldManager
        let now = clock()
        let isCustom = resource.isCustom
        let stored = try await write(context, name: name) { old in
            var base = old
            var scoped = old
            if subresource == "status" { scoped = ["status": old["status"] ?? .null] }
            if subresource == "status" { base = scoped }
            var patched: JSONValue
            do {
                switch kind {
                case .json: patched = try JSONPatch.apply(patchBody, to: base)
                case .merge: patched = MergePatch.apply(patchBody, to: base)
                case .strategic: patched = try StrategicMergePatch.apply(patchBody, to: base)
                case .apply:
                    // Simplified server-side apply: the applied fields merge into the live object
                    // (lists by their merge keys for built-in kinds); no field ownership conflicts.
                    var applied = patchBody
                    applied["metadata"]?["resourceVersion"] = nil
                    patched = isCustom ? MergePatch.apply(applied, to: base) : try StrategicMergePatch.apply(applied, to: base)
                }
            } catch PatchFailure.testFailed {
                throw APIStatusError.patchTestFailed
            } catch PatchFailure.invalid(let message) {
                throw APIStatusError(code: 422, reason: "Invalid", message: message, details: .object(JSONObject()))
            }
            if subresource == "status" {
                var result = old
                result["status"] = patched["status"]
                if let rv = patched["metadata"]?["resourceVersion"] { result["metadata"]?["resourceVersion"] = rv }
                patched = result
            } else if resource.subresources.contains("status") {
                patched["status"] = old["status"]
            }
            try Validation.validate(patched, resource: resource, name: name)
            return ManagedFields.record(patched, manager: manager, operation: kind == .apply ? "Apply" : "Update",
                                        apiVersion: resource.apiVersion, subresource: subresource,
                                        fields: kind == .json ? patched : patchBody, now: now)
        }
        return Self.json(stored)
    }

    private func delete(_ context: RequestContext, name: String) async throws -> ServerResponse {
        let options = (try? JSONValue(json: context.request.body)) ?? .object(JSONObject())
        let policyText = context.request.queryValue("propagationPolicy") ?? options["propagationPolicy"]?.stringValue
        let propagation = policyText.flatMap(PropagationPolicy.init(rawValue:))
            ?? (options["orphanDependents"]?.boolValue == true ? .orphan : .background)
        let dryRun = context.dryRun || (options["dryRun"]?.arrayValue?.contains("All") ?? false)
        let preconditions = (uid: options["preconditions"]?["uid"]?.stringValue,
                             resourceVersion: options["preconditions"]?["resourceVersion"]?.stringValue)
        do {
            if context.resource.group.isEmpty, context.resource.plural == "pods", !dryRun {
                let grace = context.request.queryValue("gracePeriodSeconds").flatMap { Int64($0) }
                    ?? options["gracePeriodSeconds"]?.intValue
                return try await deletePodGracefully(context.key(name), requestedGrace: grace, preconditions: preconditions)
            }
            let deleted = try await store.delete(context.key(name), propagation: propagation, dryRun: dryRun, precondition: preconditions)
            if context.resource.deleteReturnsObject {
                var object = deleted
                object["metadata"]?["deletionTimestamp"] = .string(ObjectStore.timestamp(clock()))
                if context.resource.plural == "namespaces" { object["status"] = ["phase": "Terminating"] }
                return Self.json(object)
            }
            var details = JSONObject()
            details["name"] = .string(name)
            if !context.resource.group.isEmpty { details["group"] = .string(context.resource.group) }
            details["kind"] = .string(context.resource.plural)
            details["uid"] = deleted["metadata"]?["uid"] ?? ""
            return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()),
                              "status": "Success", "details": .object(details)])
        } catch StoreError.notFound {
            throw APIStatusError.notFound(context.resource, name)
        } catch StoreError.conflict {
            throw APIStatusError.conflict(context.resource, name)
        }
    }

    /// Pods go in two steps, as on a real cluster: DELETE sets the deletion timestamp (MODIFIED)
    /// and the kubelet, once the containers have stopped, deletes again with grace 0 (MODIFIED,
    /// then DELETED). A pod no node has taken, or one that has finished, has nothing to stop and
    /// goes at once (pod strategy's CheckGracefulDelete gives it grace 0).
    private func deletePodGracefully(_ key: ObjectKey, requestedGrace: Int64?,
                                     preconditions: (uid: String?, resourceVersion: String?)) async throws -> ServerResponse {
        guard let pod = await store.get(key) else { throw StoreError.notFound }
        let phase = pod["status"]?["phase"]?.stringValue
        let unscheduled = (pod["spec"]?["nodeName"]?.stringValue ?? "").isEmpty
        var grace = requestedGrace ?? pod["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 30
        if unscheduled || phase == "Succeeded" || phase == "Failed" { grace = 0 }
        let (marked, _) = try await store.beginGracefulDeletion(key, gracePeriodSeconds: grace, now: clock(), precondition: preconditions)
        guard grace == 0 else { return Self.json(marked) }
        let deleted = try await store.delete(key)
        return Self.json(deleted)
    }

    private func deleteCollection(_ context: RequestContext) async throws -> ServerResponse {
        guard context.resource.verbs.contains("deletecollection") else { throw APIStatusError.methodNotAllowed }
        let labelSelector = try context.labelSelector()
        let fieldSelector = try context.fieldSelector()
        let listed = try await store.list(context.resource.groupResource, namespace: context.namespace)
        var deleted: [JSONValue] = []
        for (key, object) in listed.items where (labelSelector?.matches(object: object) ?? true) && (fieldSelector?.matches(object) ?? true) {
            if let gone = try? await store.delete(key, dryRun: context.dryRun) {
                var item = gone
                item["kind"] = nil
                item["apiVersion"] = nil
                deleted.append(item)
            }
        }
        let revision = await store.currentRevision
        return Self.json(["kind": .string(context.resource.kind + "List"), "apiVersion": .string(context.resource.apiVersion),
                          "metadata": ["resourceVersion": .string(String(revision))], "items": .array(deleted)])
    }

    // MARK: - Subresources

    private func scale(_ context: RequestContext) async throws -> ServerResponse {
        guard let name = context.name else { throw APIStatusError.resourceNotFound }
        let resource = context.resource
        let request = context.request
        switch request.method {
        case "GET":
            guard let object = await store.get(context.key(name)) else { throw APIStatusError.notFound(resource, name) }
            return Self.json(Self.scaleObject(of: object))
        case "PUT", "PATCH":
            guard let current = await store.get(context.key(name)) else { throw APIStatusError.notFound(resource, name) }
            var scale = Self.scaleObject(of: current)
            if request.method == "PUT" {
                scale = try context.bodyObject()
            } else {
                let contentType = (request.header("Content-Type") ?? "").split(separator: ";").first.map(String.init) ?? ""
                let known = ["application/merge-patch+json", "application/strategic-merge-patch+json",
                             "application/apply-patch+yaml", "application/json-patch+json"]
                guard known.contains(contentType) else { throw APIStatusError.unsupportedMediaType }
                let body: JSONValue
                do { body = try JSONValue(json: request.body) } catch {
                    throw APIStatusError.badRequest("error decoding patch: unexpected end of JSON input")
                }
                do {
                    switch contentType {
                    case "application/merge-patch+json": scale = MergePatch.apply(body, to: scale)
                    case "application/strategic-merge-patch+json", "application/apply-patch+yaml": scale = try StrategicMergePatch.apply(body, to: scale)
                    case "application/json-patch+json": scale = try JSONPatch.apply(body, to: scale)
                    default: throw APIStatusError.unsupportedMediaType
                    }
                } catch PatchFailure.testFailed {
                    throw APIStatusError.patchTestFailed
                } catch PatchFailure.invalid(let message) {
                    throw APIStatusError.badRequest(message)
                }
            }
            let replicas = scale["spec"]?["replicas"]?.intValue ?? 0
            if replicas < 0 {
                throw APIStatusError.invalid(kind: "Scale", group: "autoscaling", name: name, field: "spec.replicas",
                                             detail: "Invalid value: \(replicas): must be greater than or equal to 0")
            }
            // A PUT's resourceVersion is a precondition; a PATCH has one only if the patch itself
            // set it (otherwise the write applies to whatever is current, as GuaranteedUpdate does).
            let readVersion = current["metadata"]?["resourceVersion"]?.stringValue
            let sentVersion = scale["metadata"]?["resourceVersion"]?.stringValue
            let precondition = request.method == "PUT" || sentVersion != readVersion ? sentVersion : nil
            let manager = context.fieldManager
            let now = clock()
            let stored = try await write(context, name: name) { old in
                var new = old
                if let precondition, !precondition.isEmpty { new["metadata"]?["resourceVersion"] = .string(precondition) }
                new["spec"]?["replicas"] = .int(replicas)
                return ManagedFields.record(new, manager: manager, operation: "Update", apiVersion: resource.apiVersion,
                                            subresource: "scale", fields: ["spec": ["replicas": .int(replicas)]], now: now)
            }
            return Self.json(Self.scaleObject(of: stored))
        default:
            throw APIStatusError.methodNotAllowed
        }
    }

    static func scaleObject(of object: JSONValue) -> JSONValue {
        let metadata = object["metadata"] ?? .null
        var meta = JSONObject()
        for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let v = metadata[field] { meta[field] = v }
        }
        let selector = LabelSelectorText.render(object["spec"]?["selector"])
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(meta),
                "spec": ["replicas": object["spec"]?["replicas"] ?? .int(1)],
                "status": ["replicas": object["status"]?["replicas"] ?? .int(0), "selector": .string(selector)]]
    }

    private func statusSubresource(_ context: RequestContext) async throws -> ServerResponse {
        guard let name = context.name else { throw APIStatusError.resourceNotFound }
        switch context.request.method {
        case "GET":
            guard let object = await store.get(context.key(name)) else { throw APIStatusError.notFound(context.resource, name) }
            return Self.json(object)
        case "PUT":
            let body = try context.bodyObject()
            let manager = context.fieldManager
            let resource = context.resource
            let now = clock()
            let stored = try await write(context, name: name) { old in
                var new = old
                new["status"] = body["status"]
                if let rv = body["metadata"]?["resourceVersion"] { new["metadata"]?["resourceVersion"] = rv }
                return ManagedFields.record(new, manager: manager, operation: "Update", apiVersion: resource.apiVersion,
                                            subresource: "status", fields: ["status": body["status"] ?? .null], now: now)
            }
            return Self.json(stored)
        case "PATCH":
            return try await patch(context, name: name, subresource: "status")
        default:
            throw APIStatusError.methodNotAllowed
        }
    }

    // MARK: - Shared write steps

    /// A read-modify-write through the store, with its errors as the real server's Statuses.
    private func write(_ context: RequestContext, name: String, _ transform: @escaping @Sendable (JSONValue) throws -> JSONValue) async throws -> JSONValue {
        do {
            let resource = context.resource
            return try await store.update(context.key(name), tracksGeneration: resource.tracksGeneration,
                                          dryRun: context.dryRun) { current in
                let changed = try transform(current)
                return resource.isCustom ? changed : Defaulting.droppingNullFields(changed)
            }
        } catch StoreError.notFound {
            throw APIStatusError.notFound(context.resource, name)
        } catch StoreError.conflict {
            throw APIStatusError.conflict(context.resource, name)
        }
    }

    /// Checks kind, apiVersion, name and namespace of a body against the URL, filling what the
    /// body leaves out, as the real server does.
    private func prepareIncoming(_ body: JSONValue, context: RequestContext, name: String?) throws -> JSONValue {
        guard case .object = body else { throw APIStatusError.badRequest("the object provided is unrecognized (must be of type \(context.resource.kind))") }
        var object = body
        let resource = context.resource
        if object["kind"] == nil { object["kind"] = .string(resource.kind) }
        if object["apiVersion"] == nil { object["apiVersion"] = .string(resource.apiVersion) }
        guard object["kind"]?.stringValue == resource.kind else {
            throw APIStatusError.badRequest("the API version in the data (\(object["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(resource.apiVersion))")
        }
        if object["metadata"] == nil { object["metadata"] = .object(JSONObject()) }
        if resource.namespaced, let namespace = context.namespace {
            if let given = object["metadata"]?["namespace"]?.stringValue, !given.isEmpty, given != namespace {
                throw APIStatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            object["metadata"]?["namespace"] = .string(namespace)
        } else if !resource.namespaced {
            object["metadata"]?["namespace"] = nil
        }
        if let name {
            let given = object["metadata"]?["name"]?.stringValue ?? ""
            if given.isEmpty { object["metadata"]?["name"] = .string(name) } else if given != name {
                throw APIStatusError.badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))")
            }
        }
        return object
    }

    private func requireNamespace(_ context: RequestContext) async throws {
        guard context.resource.namespaced, let namespace = context.namespace else { return }
        if await store.get(ObjectKey(groupResource: "namespaces", namespace: "", name: namespace)) == nil {
            throw APIStatusError(code: 404, reason: "NotFound", message: "namespaces \"\(namespace)\" not found",
                                 details: ["name": .string(namespace), "kind": "namespaces"])
        }
    }

    static func randomSuffix() -> String {
        // The alphabet of k8s.io/apimachinery's rand.String: no vowels, no confusable digits.
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    // MARK: - Responses

    static func headers(contentType: String) -> [(name: String, value: String)] {
        [("Audit-Id", UUID().uuidString.lowercased()), ("Cache-Control", "no-cache, private"), ("Content-Type", contentType)]
    }

    static func json(_ value: JSONValue, status: Int = 200, pretty: Bool = false) -> ServerResponse {
        var data = value.jsonData(pretty: pretty)
        if !pretty { data.append(0x0A) }
        return ServerResponse(status: status, headers: headers(contentType: "application/json"), body: .data(data))
    }

    /// Aggregated discovery with the real server's caching headers; a matching If-None-Match is 304.
    static func aggregated(_ value: JSONValue, ifNoneMatch: String?) -> ServerResponse {
        let data = value.jsonData() + Data([0x0A])
        // A content hash, so the ETag is stable across runs for the same document.
        let etag = "\"\(OpenAPIDocuments.contentHash(data))\""
        var headers = headers(contentType: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        headers[1] = ("Cache-Control", "public")
        headers.append(("Etag", etag))
        headers.append(("Vary", "Accept"))
        if ifNoneMatch == etag { return ServerResponse(status: 304, headers: headers, body: .data(Data())) }
        return ServerResponse(status: 200, headers: headers, body: .data(data))
    }

    static func statusResponse(_ error: APIStatusError) -> ServerResponse {
        json(error.status, status: error.code)
    }

    static func pageNotFound() -> ServerResponse {
        ServerResponse(status: 404, headers: headers(contentType: "text/plain; charset=utf-8"), body: .data(Data("404 page not found\n".utf8)))
    }
}

enum PatchKind { case json, merge, strategic, apply }

/// The parts of a request every verb uses.
struct RequestContext {
    let request: ServerRequest
    let resource: ServedResource
    let namespace: String?
    let name: String?

    func key(_ name: String) -> ObjectKey {
        ObjectKey(groupResource: resource.groupResource, namespace: resource.namespaced ? (namespace ?? "") : "", name: name)
    }

    var isWatch: Bool { ["1", "true"].contains(request.queryValue("watch") ?? "") }
    var dryRun: Bool { request.query.contains { $0.name == "dryRun" && $0.value == "All" } }

    /// The real server's default field manager: the User-Agent up to its first "/".
    var fieldManager: String {
        if let m = request.queryValue("fieldManager"), !m.isEmpty { return m }
        if let agent = request.header("User-Agent"), let first = agent.split(separator: "/").first { return String(first) }
        return request.user.isEmpty ? "unknown" : request.user
    }

    var wantsTable: Bool { (request.header("Accept") ?? "").contains("as=Table") }

    var includeObject: String { request.queryValue("includeObject") ?? "Metadata" }

    func labelSelector() throws -> LabelSelectorQuery? {
        guard let text = request.queryValue("labelSelector"), !text.isEmpty else { return nil }
        return try LabelSelectorQuery(parsing: text)
    }

    func fieldSelector() throws -> FieldSelectorQuery? {
        guard let text = request.queryValue("fieldSelector"), !text.isEmpty else { return nil }
        return try FieldSelectorQuery(parsing: text, resource: resource)
    }

    func bodyObject() throws -> JSONValue {
        do {
            let text = String(decoding: request.body, as: UTF8.self)
            let contentType = request.header("Content-Type") ?? "application/json"
            if contentType.hasPrefix(ProtobufBody.contentType) { return try ProtobufBody.decode(request.body) }
            if contentType.contains("yaml") { return try YAML.parse(text) }
            return try JSONValue(json: request.body)
        } catch {
            throw APIStatusError.badRequest("the object provided is unrecognized (must be of type \(resource.kind)): \(error)")
        }
    }
}

/// `metadata.continue`: base64url (unpadded) JSON `{"v":"meta.k8s.io/v1","rv":N,"start":"KEY\u0000"}`,
/// the same shape as the real server's, so tokens look familiar in logs.
struct ContinueToken {
    var revision: Int64
    var start: String

    init(revision: Int64, start: String) {
        self.revision = revision
        self.start = start
    }

    init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let json = try? JSONValue(json: data),
              let rv = json["rv"]?.intValue, let start = json["start"]?.stringValue else { return nil }
        revision = rv
        self.start = start
    }

    var encoded: String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(start)]
        return json.jsonData().base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A LabelSelector object rendered as a selector string, as `kubectl` and the Scale status do.
enum LabelSelectorText {
    static func render(_ selector: JSONValue?) -> String {
        guard let selector else { return "" }
        var parts: [String] = []
        let labels = (selector["matchLabels"]?.objectValue?.entries ?? []).sorted { $0.key < $1.key }
        for (k, v) in labels { parts.append("\(k)=\(v.stringValue ?? "")") }
        for e in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = e["key"]?.stringValue ?? ""
            let values = (e["values"]?.arrayValue ?? []).compactMap(\.stringValue).sorted().joined(separator: ",")
            switch e["operator"]?.stringValue {
            case "In": parts.append("\(key) in (\(values))")
            case "NotIn": parts.append("\(key) notin (\(values))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!\(key)")
            default: break
            }
        }
        return parts.joined(separator: ",")
    }
}
