/// Builds the REST path of a resource collection, object or subresource:
/// `/api/v1/namespaces/NS/pods/NAME/log`, `/apis/apps/v1/deployments`, ...
struct ResourcePath: Sendable {
    var type: ResourceType
    /// nil lists or watches across all namespaces; ignored for cluster-scoped types.
    var namespace: String?
    var name: String?
    var subresource: String?

    /// The escaped path, starting with '/'.
    var path: String {
        var segments: [String] = type.group.isEmpty ? ["api", type.version] : ["apis", type.group, type.version]
        if type.namespaced, let namespace, !namespace.isEmpty {
            segments += ["namespaces", namespace]
        }
        segments.append(type.resource)
        if let name {
            segments.append(name)
            if let subresource, !subresource.isEmpty {
                segments += subresource.split(separator: "/").map(String.init)
            }
        }
        return "/" + segments.map(QueryEncoding.pathSegment).joined(separator: "/")
    }
}

/// Validation of names before they go into a path: an empty name would silently turn a GET of one
/// object into a LIST of the collection, and a namespaced call without a namespace into an
/// all-namespaces one.
enum PathValidation {
    static func requireName(_ name: String, of type: ResourceType) throws {
        if name.isEmpty { throw KubeClientError.invalidArgument("a \(type.kind) name is required") }
    }

    static func requireNamespace(_ namespace: String?, for type: ResourceType) throws -> String? {
        guard type.namespaced else { return nil }
        guard let namespace, !namespace.isEmpty else {
            throw KubeClientError.invalidArgument("\(type.description) is namespaced: a namespace is required")
        }
        return namespace
    }
}
