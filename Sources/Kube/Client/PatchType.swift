/// The four PATCH flavours the API server accepts.
public enum PatchType: Sendable, Equatable {
    /// RFC 6902 operations: surgical array edits, `test` preconditions.
    case json
    /// RFC 7386: objects merge, arrays and scalars replace.
    case merge
    /// Kubernetes' own merge, keyed lists; built-in kinds only (custom resources answer 415).
    case strategicMerge
    /// Server-side apply: a manifest owned by a field manager; `force` takes over conflicting fields.
    case apply(force: Bool)

    public var contentType: String {
        switch self {
        case .json: return "application/json-patch+json"
        case .merge: return "application/merge-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }
}

/// How dependents are handled when an owner is deleted.
public enum PropagationPolicy: String, Sendable {
    case orphan = "Orphan"
    case background = "Background"
    case foreground = "Foreground"
}

/// Conditions a DELETE must meet: the object is still the one we looked at.
public struct DeletePreconditions: Sendable, Equatable {
    public var uid: String?
    public var resourceVersion: String?
    public init(uid: String? = nil, resourceVersion: String? = nil) {
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}

/// How the server treats fields the schema does not know (`?fieldValidation=`).
public enum FieldValidation: String, Sendable {
    /// Drop them silently.
    case ignore = "Ignore"
    /// Accept, with a Warning header per field.
    case warn = "Warn"
    /// Refuse the request with 400 (what kubectl asks for on create and apply).
    case strict = "Strict"
}
