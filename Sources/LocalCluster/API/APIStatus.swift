import Foundation
import YAML

/// A failed request as the real server reports it: a `meta/v1 Status` with the reason, code and
/// message kube-apiserver uses for the same situation (see the recorded 07-errors bodies).
public struct APIStatusError: Error, Sendable {
    public var code: Int
    public var reason: String
    public var message: String
    /// `details`, in the order the real server writes them; nil leaves the field out.
    public var details: JSONValue?
    /// Extra `metadata` (the 410 for an expired continue token carries a fresh token).
    public var metadata: JSONValue = .object(JSONObject())

    public init(code: Int, reason: String, message: String, details: JSONValue? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var status: JSONValue {
        var object: JSONObject = [
            "kind": "Status", "apiVersion": "v1", "metadata": metadata,
            "status": "Failure", "message": .string(message), "reason": .string(reason),
        ]
        if let details { object["details"] = details }
        object["code"] = .int(Int64(code))
        return .object(object)
    }

    static func qualified(_ resource: ServedResource) -> String {
        resource.group.isEmpty ? resource.plural : "\(resource.plural).\(resource.group)"
    }

    static func details(_ name: String, _ resource: ServedResource) -> JSONValue {
        var d = JSONObject()
        d["name"] = .string(name)
        if !resource.group.isEmpty { d["group"] = .string(resource.group) }
        d["kind"] = .string(resource.plural)
        return .object(d)
    }

    public static func notFound(_ resource: ServedResource, _ name: String) -> APIStatusError {
        APIStatusError(code: 404, reason: "NotFound", message: "\(qualified(resource)) \"\(name)\" not found",
                       details: details(name, resource))
    }

    public static func alreadyExists(_ resource: ServedResource, _ name: String) -> APIStatusError {
        APIStatusError(code: 409, reason: "AlreadyExists", message: "\(qualified(resource)) \"\(name)\" already exists",
                       details: details(name, resource))
    }

    public static func conflict(_ resource: ServedResource, _ name: String) -> APIStatusError {
        APIStatusError(code: 409, reason: "Conflict",
                       message: "Operation cannot be fulfilled on \(qualified(resource)) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                       details: details(name, resource))
    }

    /// One invalid field. `kind` and `group` name the kind that failed validation (Scale for the
    /// scale subresource, in group autoscaling).
    public static func invalid(kind: String, group: String, name: String, field: String, detail: String) -> APIStatusError {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        var d = JSONObject()
        d["name"] = .string(name)
        if !group.isEmpty { d["group"] = .string(group) }
        d["kind"] = .string(kind)
        d["causes"] = [["reason": "FieldValueInvalid", "message": .string(detail), "field": .string(field)]]
        return APIStatusError(code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(field): \(detail)",
                              details: .object(d))
    }

    /// RBAC said no (recorded in `07-errors/403-viewer-*`): "deployments.apps "vllm-qwen" is
    /// forbidden: User "console-viewer" cannot patch resource "deployments/scale" in API group
    /// "apps" in the namespace "fixtures"".
    public static func forbidden(_ attributes: AccessAttributes, user: String) -> APIStatusError {
        let qualified = attributes.group.isEmpty ? attributes.resource : "\(attributes.resource).\(attributes.group)"
        let subject = attributes.name.isEmpty ? qualified : "\(qualified) \"\(attributes.name)\""
        let scope = attributes.namespace.isEmpty ? "at the cluster scope" : "in the namespace \"\(attributes.namespace)\""
        var d = JSONObject()
        if !attributes.name.isEmpty { d["name"] = .string(attributes.name) }
        if !attributes.group.isEmpty { d["group"] = .string(attributes.group) }
        d["kind"] = .string(attributes.resource)
        return APIStatusError(code: 403, reason: "Forbidden",
                              message: "\(subject) is forbidden: User \"\(user)\" cannot \(attributes.verb) resource \"\(attributes.resourceWithSubresource)\" in API group \"\(attributes.group)\" \(scope)",
                              details: .object(d))
    }

    /// The bare 422 the real server gives when a JSON patch's `test` fails.
    public static let patchTestFailed = APIStatusError(code: 422, reason: "Invalid",
        message: "the server rejected our request due to an error in our request", details: .object(JSONObject()))

    public static func badRequest(_ message: String) -> APIStatusError {
        APIStatusError(code: 400, reason: "BadRequest", message: message)
    }

    public static let methodNotAllowed = APIStatusError(code: 405, reason: "MethodNotAllowed",
        message: "the server does not allow this method on the requested resource", details: .object(JSONObject()))

    public static let resourceNotFound = APIStatusError(code: 404, reason: "NotFound",
        message: "the server could not find the requested resource", details: .object(JSONObject()))

    public static let unsupportedMediaType = APIStatusError(code: 415, reason: "UnsupportedMediaType",
        message: "415: Unsupported Media Type", details: .object(JSONObject()))

    public static let strategicMergeOnCustomResource = APIStatusError(code: 415, reason: "UnsupportedMediaType",
        message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")

    public static func tooOldResourceVersion(_ requested: Int64, oldest: Int64) -> APIStatusError {
        APIStatusError(code: 410, reason: "Expired", message: "too old resource version: \(requested) (\(oldest))")
    }

    public static func expiredContinue(freshToken: String) -> APIStatusError {
        var e = APIStatusError(code: 410, reason: "Expired",
            message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
        e.metadata = ["continue": .string(freshToken)]
        return e
    }

    public static func internalError(_ message: String) -> APIStatusError {
        APIStatusError(code: 500, reason: "InternalError", message: message)
    }
}
