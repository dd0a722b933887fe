import Foundation

/// What one request asks to do, in the terms RBAC decides on (kube-apiserver's RequestInfo and
/// authorizer.Attributes): verb, API group, resource, subresource, namespace, name; or a
/// non-resource path (`/version`, `/apis`) with its verb.
public struct AccessAttributes: Sendable, Hashable {
    public var verb: String
    public var group: String
    public var resource: String
    public var subresource: String
    /// Empty for a cluster-scoped request.
    public var namespace: String
    public var name: String
    /// Set for a non-resource request, whose other fields are then empty.
    public var nonResourcePath: String?

    public init(verb: String, group: String = "", resource: String, subresource: String = "", namespace: String = "",
                name: String = "") {
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
    }

    public init(verb: String, nonResourcePath: String) {
        self.init(verb: verb, resource: "")
        self.nonResourcePath = nonResourcePath
    }

    /// "deployments/scale", or "deployments" without a subresource: the form RBAC rules name.
    var resourceWithSubresource: String { subresource.isEmpty ? resource : "\(resource)/\(subresource)" }

    /// The verb kube-apiserver derives from an HTTP request: GET is get (with a name) or list,
    /// `watch=true` makes watch, POST create, PUT update, PATCH patch, DELETE delete or
    /// deletecollection.
    static func verb(method: String, hasName: Bool, isWatch: Bool) -> String {
        switch method {
        case "GET", "HEAD": return isWatch ? "watch" : (hasName ? "get" : "list")
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return hasName ? "delete" : "deletecollection"
        default: return method.lowercased()
        }
    }
}

/// One RBAC PolicyRule: verbs on resources of API groups, or verbs on non-resource URLs, with
/// `*` as a wildcard and a trailing `*` on a URL as a prefix match, as RBAC matches them.
public struct AccessRule: Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]
    public var resources: [String]
    public var nonResourceURLs: [String]

    public init(verbs: [String], apiGroups: [String] = [], resources: [String] = [], nonResourceURLs: [String] = []) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.nonResourceURLs = nonResourceURLs
    }

    func allows(_ attributes: AccessAttributes) -> Bool {
        guard verbs.contains("*") || verbs.contains(attributes.verb) else { return false }
        if let path = attributes.nonResourcePath {
            return nonResourceURLs.contains { url in
                url == "*" || url == path || (url.hasSuffix("*") && path.hasPrefix(String(url.dropLast())))
            }
        }
        guard apiGroups.contains("*") || apiGroups.contains(attributes.group) else { return false }
        let wanted = attributes.resourceWithSubresource
        // "*/scale" names a subresource of every resource.
        let anySubresource = attributes.subresource.isEmpty ? nil : "*/\(attributes.subresource)"
        return resources.contains { $0 == "*" || $0 == wanted || $0 == anySubresource }
    }
}

/// The rules one identity holds, and the words RBAC uses for the binding that grants them.
public struct AccessGrant: Sendable, Hashable {
    public var rules: [AccessRule]
    /// `RBAC: allowed by ClusterRoleBinding "…" of ClusterRole "…" to Group "…"`, the reason an
    /// allowing review carries; nil for system:masters, which the real server allows without one.
    public var reason: String?

    public init(rules: [AccessRule], reason: String?) {
        self.rules = rules
        self.reason = reason
    }

    public func allows(_ attributes: AccessAttributes) -> Bool { rules.contains { $0.allows(attributes) } }

    /// system:masters: everything.
    public static let everything = AccessGrant(rules: [AccessRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"],
                                                                  nonResourceURLs: ["*"])], reason: nil)

    /// The ClusterRole `view` together with the discovery and self-review rules every
    /// authenticated user has, as the recorded real server lists them for a viewer
    /// (`10-access-reviews/ssrr.fixtures.viewer-token.response.json`): read everything but
    /// secrets, pods/proxy, nodes and other cluster-scoped kinds; write nothing.
    public static func view(binding: String, group: String) -> AccessGrant {
        let read = ["get", "list", "watch"]
        return AccessGrant(rules: [
            AccessRule(verbs: read, apiGroups: [""], resources: [
                "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status",
                "bindings", "limitranges", "namespaces/status", "pods/log", "pods/status", "replicationcontrollers/status",
                "resourcequotas", "resourcequotas/status", "namespaces"]),
            AccessRule(verbs: read, apiGroups: ["", "events.k8s.io"], resources: ["events"]),
            AccessRule(verbs: read, apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"]),
            AccessRule(verbs: read, apiGroups: ["apps"], resources: [
                "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                "statefulsets/scale", "statefulsets/status"]),
            AccessRule(verbs: read, apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
            AccessRule(verbs: read, apiGroups: ["batch"], resources: ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
            AccessRule(verbs: read, apiGroups: ["policy"], resources: ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
            AccessRule(verbs: read, apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingresses/status", "networkpolicies"]),
            AccessRule(verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            AccessRule(verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"]),
            AccessRule(verbs: ["get"], nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                                         "/openapi/*", "/readyz", "/version", "/version/", "/.well-known", "/.well-known/*"]),
        ], reason: "RBAC: allowed by ClusterRoleBinding \"\(binding)\" of ClusterRole \"view\" to Group \"\(group)\"")
    }
}
