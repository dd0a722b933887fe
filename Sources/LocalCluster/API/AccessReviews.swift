import Foundation
import YAML

/// The two self reviews, answered as the real server answers them (recorded in
/// `10-access-reviews`): created with POST, never stored, 201 with the review and its status.
/// - `authorization.k8s.io/v1 SelfSubjectAccessReview`: "may I?", decided by the caller's
///   `AccessGrant` (`kubectl auth can-i`).
/// - `authentication.k8s.io/v1 SelfSubjectReview`: "who am I?", the caller's name and groups
///   (`kubectl auth whoami`).
enum AccessReviews {
    static func handles(_ resource: ServedResource) -> Bool {
        (resource.group == "authorization.k8s.io" && resource.plural == "selfsubjectaccessreviews")
            || (resource.group == "authentication.k8s.io" && resource.plural == "selfsubjectreviews")
    }

    static func answer(_ context: RequestContext, identity: LocalIdentity, now: Date) throws -> ServerResponse {
        // Create is the only verb (discovery says so); the real server answers others 405.
        guard context.request.method == "POST", context.name == nil else { throw APIStatusError.methodNotAllowed }
        let body = try context.bodyObject()
        let resource = context.resource
        guard case .object = body else {
            throw APIStatusError.badRequest("the object provided is unrecognized (must be of type \(resource.kind))")
        }
        if let kind = body["kind"]?.stringValue, !kind.isEmpty, kind != resource.kind {
            throw APIStatusError.badRequest("the API version in the data (\(body["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(resource.apiVersion))")
        }
        let review = resource.plural == "selfsubjectreviews"
            ? selfSubjectReview(identity: identity, now: now)
            : try selfSubjectAccessReview(body, identity: identity, manager: context.fieldManager, now: now)
        return LocalAPI.json(review, status: 201)
    }

    /// The review with `status.userInfo`; `metadata.creationTimestamp` is the time of asking.
    static func selfSubjectReview(identity: LocalIdentity, now: Date) -> JSONValue {
        ["kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
         "metadata": ["creationTimestamp": .string(ObjectStore.timestamp(now))],
         "status": ["userInfo": ["username": .string(identity.username), "groups": .array(identity.groups.map { .string($0) })]]]
    }

    /// The spec echoed back in the API type's field order with empty fields left out (as the
    /// real server's decode and encode leave them), a managedFields entry for it, and the decision.
    static func selfSubjectAccessReview(_ body: JSONValue, identity: LocalIdentity, manager: String, now: Date) throws -> JSONValue {
        let given = body["spec"]
        var spec = JSONObject()
        let attributes: AccessAttributes
        if let resourceAttributes = given?["resourceAttributes"], case .object = resourceAttributes {
            var echoed = JSONObject()
            for field in ["namespace", "verb", "group", "version", "resource", "subresource", "name"] {
                if let value = resourceAttributes[field]?.stringValue, !value.isEmpty { echoed[field] = .string(value) }
            }
            for selector in ["fieldSelector", "labelSelector"] {
                if let value = resourceAttributes[selector], !value.isNull { echoed[selector] = value }
            }
            spec["resourceAttributes"] = .object(echoed)
            func text(_ field: String) -> String { resourceAttributes[field]?.stringValue ?? "" }
            attributes = AccessAttributes(verb: text("verb"), group: text("group"), resource: text("resource"),
                                          subresource: text("subresource"), namespace: text("namespace"), name: text("name"))
        } else if let nonResource = given?["nonResourceAttributes"], case .object = nonResource {
            var echoed = JSONObject()
            for field in ["path", "verb"] {
                if let value = nonResource[field]?.stringValue, !value.isEmpty { echoed[field] = .string(value) }
            }
            spec["nonResourceAttributes"] = .object(echoed)
            attributes = AccessAttributes(verb: nonResource["verb"]?.stringValue ?? "",
                                          nonResourcePath: nonResource["path"]?.stringValue ?? "")
        } else {
            throw APIStatusError.invalid(kind: "SelfSubjectAccessReview", group: "authorization.k8s.io", name: "",
                                         field: "spec.resourceAttributes",
                                         detail: "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified")
        }
        let allowed = identity.grant.allows(attributes)
        var status: JSONObject = ["allowed": .bool(allowed)]
        if allowed, let reason = identity.grant.reason { status["reason"] = .string(reason) }
        let metadata = ManagedFields.record(["metadata": .object(JSONObject())], manager: manager, operation: "Update",
                                            apiVersion: "authorization.k8s.io/v1", subresource: nil,
                                            fields: ["spec": .object(spec)], now: now)["metadata"] ?? .object(JSONObject())
        return ["kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "metadata": metadata,
                "spec": .object(spec), "status": .object(status)]
    }
}
