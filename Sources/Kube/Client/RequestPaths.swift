/// Public views of the request-building rules, so that layers above the client (Operations'
/// confirm dialogs, audit log) can show the exact path and query a call will send.
extension ResourceType {
    /// The escaped REST path of a collection (`name` nil), an object, or its subresource.
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        ResourcePath(type: self, namespace: namespace, name: name, subresource: subresource).path
    }
}

public enum QueryText {
    /// The query string as the client writes it (Go's `url.Values.Encode`: sorted by key).
    public static func encode(_ items: [(name: String, value: String)]) -> String {
        QueryEncoding.queryString(items)
    }
}
