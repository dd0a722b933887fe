import Foundation

/// One API call before credentials are added: what the client methods build and `KubeClient`
/// sends. Keeping it separate from `HTTPRequest` lets the 401 retry re-authorize from scratch.
struct APIRequest: Sendable {
    var method: String
    /// Escaped path from the API root, starting with '/'.
    var path: String
    var query: [(name: String, value: String)] = []
    var accept: String = MediaType.json
    var contentType: String?
    var body: Data?
    /// Overall time limit; nil: the transport's default for complete requests, none for streams.
    var timeout: Duration?

    /// "GET /api/v1/namespaces/x/pods?limit=2": used in error messages and warnings.
    var summary: String {
        query.isEmpty ? "\(method) \(path)" : "\(method) \(path)?\(QueryEncoding.queryString(query))"
    }

    /// The full URL under the server's base URL, keeping any path prefix the base carries
    /// (e.g. a Rancher or proxy URL like https://host/k8s/clusters/c-1).
    func url(base: URL) throws -> URL {
        var root = base.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        var text = root + path
        if !query.isEmpty { text += "?" + QueryEncoding.queryString(query) }
        guard let url = URL(string: text) else { throw KubeClientError.invalidURL(text) }
        return url
    }
}

/// The media types the client speaks.
enum MediaType {
    static let json = "application/json"
    static let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    static let aggregatedDiscovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
}

/// Query items shared by list and watch requests.
struct CollectionQuery: Sendable {
    var labelSelector: String?
    var fieldSelector: String?
    var limit: Int?
    var continueToken: String?
    var resourceVersion: String?
    var resourceVersionMatch: ResourceVersionMatch?
    var timeoutSeconds: Int?

    var items: [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        if let labelSelector, !labelSelector.isEmpty { items.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { items.append(("fieldSelector", fieldSelector)) }
        if let limit, limit > 0 { items.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { items.append(("continue", continueToken)) }
        if let resourceVersion { items.append(("resourceVersion", resourceVersion)) }
        if let resourceVersionMatch { items.append(("resourceVersionMatch", resourceVersionMatch.rawValue)) }
        if let timeoutSeconds { items.append(("timeoutSeconds", String(timeoutSeconds))) }
        return items
    }
}

/// How a LIST interprets `resourceVersion`.
public enum ResourceVersionMatch: String, Sendable {
    /// Any state at least as new as the given version (may be served from the watch cache).
    case notOlderThan = "NotOlderThan"
    /// Exactly that version, read from etcd; 410 once it is compacted.
    case exact = "Exact"
}
