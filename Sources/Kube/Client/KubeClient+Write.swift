import Foundation
import YAML

/// Writes: create, replace, delete, the four patch types, server-side apply, and read-modify-write.
/// Every write can be a dry run (`?dryRun=All`): the server validates and answers with the
/// object it would have stored, and stores nothing.
extension KubeClient {
    /// The field manager kvdeck's applies are recorded under.
    public static let defaultFieldManager = "kvdeck"

    /// POST a new object into the collection.
    public func create(_ type: ResourceType, namespace: String? = nil, body: JSONValue, dryRun: Bool = false,
                       fieldManager: String? = nil) async throws -> JSONValue {
        let ns = try PathValidation.requireNamespace(namespace ?? connection.namespace, for: type)
        var request = collectionRequest(type, namespace: ns, query: writeQuery(dryRun: dryRun, fieldManager: fieldManager),
                                        method: "POST")
        request.contentType = MediaType.json
        request.body = UnstructuredJSON.serialize(body)
        return try UnstructuredJSON.parse(try await send(request).body, context: request.summary)
    }

    /// POST to an object's subresource that creates something (`pods/NAME/binding`,
    /// `pods/NAME/eviction`). Returns the server's answer, usually a Status.
    @discardableResult
    public func create(_ type: ResourceType, name: String, namespace: String? = nil, subresource: String,
                       body: JSONValue, dryRun: Bool = false) async throws -> JSONValue {
        var request = try objectRequest(type, name: name, namespace: namespace, subresource: subresource, method: "POST")
        request.query = writeQuery(dryRun: dryRun, fieldManager: nil)
        request.contentType = MediaType.json
        request.body = UnstructuredJSON.serialize(body)
        return try UnstructuredJSON.parse(try await send(request).body, context: request.summary)
    }

    /// PUT the whole object. Its `metadata.resourceVersion` is the precondition: if the object
    /// changed since it was read the server answers 409 Conflict (`KubeAPIError.isConflict`).
    public func replace(_ type: ResourceType, name: String, namespace: String? = nil, subresource: String? = nil,
                        body: JSONValue, dryRun: Bool = false, fieldManager: String? = nil) async throws -> JSONValue {
        var request = try objectRequest(type, name: name, namespace: namespace, subresource: subresource, method: "PUT")
        request.query = writeQuery(dryRun: dryRun, fieldManager: fieldManager)
        request.contentType = MediaType.json
        request.body = UnstructuredJSON.serialize(body)
        return try UnstructuredJSON.parse(try await send(request).body, context: request.summary)
    }

    /// DELETE, optionally only if the object still has the given uid / resourceVersion.
    /// Returns the server's answer: the object (with deletionTimestamp set) or a Success Status.
    @discardableResult
    public func delete(_ type: ResourceType, name: String, namespace: String? = nil,
                       propagationPolicy: PropagationPolicy? = nil, preconditions: DeletePreconditions? = nil,
                       gracePeriodSeconds: Int? = nil, dryRun: Bool = false) async throws -> JSONValue {
        var request = try objectRequest(type, name: name, namespace: namespace, method: "DELETE")
        var options: JSONObject = ["kind": .string("DeleteOptions"), "apiVersion": .string("v1")]
        if let gracePeriodSeconds { options["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        if let propagationPolicy { options["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if let preconditions {
            var p = JSONObject()
            if let uid = preconditions.uid { p["uid"] = .string(uid) }
            if let rv = preconditions.resourceVersion { p["resourceVersion"] = .string(rv) }
            options["preconditions"] = .object(p)
        }
        if dryRun { options["dryRun"] = .array([.string("All")]) }
        request.query = writeQuery(dryRun: dryRun, fieldManager: nil)
        request.contentType = MediaType.json
        request.body = UnstructuredJSON.serialize(.object(options))
        return try UnstructuredJSON.parse(try await send(request).body, context: request.summary)
    }

    /// PATCH an object or a subresource (`scale`, `status`). Server-side apply needs a field
    /// manager, so `.apply` defaults it to "kvdeck"; the other types send one only when given
    /// (kubectl's `scale` sends none, its `patch` sends "kubectl-patch").
    public func patch(_ type: ResourceType, name: String, namespace: String? = nil, subresource: String? = nil,
                      patch: Data, type patchType: PatchType, dryRun: Bool = false,
                      fieldManager: String? = nil, fieldValidation: FieldValidation? = nil) async throws -> JSONValue {
        var request = try objectRequest(type, name: name, namespace: namespace, subresource: subresource, method: "PATCH")
        var manager = fieldManager
        var query: [(name: String, value: String)] = []
        if case let .apply(force) = patchType {
            manager = manager ?? Self.defaultFieldManager
            if force { query.append(("force", "true")) }
        }
        if let fieldValidation { query.append(("fieldValidation", fieldValidation.rawValue)) }
        request.query = writeQuery(dryRun: dryRun, fieldManager: manager) + query
        request.contentType = patchType.contentType
        request.body = patch
        return try UnstructuredJSON.parse(try await send(request).body, context: request.summary)
    }

    /// Server-side apply of a manifest (YAML or JSON; the server reads either), as
    /// `kubectl apply --server-side --field-manager=kvdeck [--force-conflicts]`.
    public func apply(_ type: ResourceType, name: String, namespace: String? = nil, manifest: Data,
                      force: Bool = false, dryRun: Bool = false,
                      fieldManager: String = KubeClient.defaultFieldManager,
                      fieldValidation: FieldValidation? = .strict) async throws -> JSONValue {
        try await patch(type, name: name, namespace: namespace, patch: manifest, type: .apply(force: force),
                        dryRun: dryRun, fieldManager: fieldManager, fieldValidation: fieldValidation)
    }

    /// Read-modify-write: GETs the full object, lets `change` edit the whole tree (so fields no
    /// model knows survive), and PUTs it back with the resourceVersion it was read at. On 409
    /// Conflict it reads again and re-applies the change, up to `maxRetries` more times.
    @discardableResult
    public func modify(_ type: ResourceType, name: String, namespace: String? = nil, maxRetries: Int = 3,
                       dryRun: Bool = false,
                       _ change: (inout JSONValue) throws -> Void) async throws -> JSONValue {
        var attempt = 0
        while true {
            var object = try await get(type, name: name, namespace: namespace)
            try change(&object)
            do {
                return try await replace(type, name: name, namespace: namespace, body: object, dryRun: dryRun)
            } catch let error as KubeAPIError where error.isConflict && attempt < maxRetries {
                attempt += 1
                logger.debug("conflict on update; reading again", metadata: ["object": "\(type) \(name)", "attempt": "\(attempt)"])
            }
        }
    }

    func writeQuery(dryRun: Bool, fieldManager: String?) -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if let fieldManager, !fieldManager.isEmpty { query.append(("fieldManager", fieldManager)) }
        return query
    }
}
