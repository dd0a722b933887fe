import Foundation

/// The scheme the API server uses to reach a pod or service through its proxy.
public enum ProxyScheme: String, Sendable {
    case http
    case https
}

extension KubeClient {
    /// GET through the API server's pod proxy:
    /// `/api/v1/namespaces/NS/pods/[https:]NAME[:PORT]/proxy/PATH` (e.g. a vLLM pod's `/metrics`).
    /// Any status is returned as is, except that failures the API server itself reports (a
    /// `Status` body: forbidden, pod not found, address not allowed) throw `KubeAPIError`.
    public func proxyGet(pod: String, namespace: String? = nil, port: String? = nil, scheme: ProxyScheme = .http,
                         path: String, query: [(name: String, value: String)] = [],
                         accept: String = "*/*") async throws -> HTTPResponse {
        try await proxyGet(Self.podType, name: pod, namespace: namespace, port: port, scheme: scheme,
                           path: path, query: query, accept: accept)
    }

    /// GET through the API server's service proxy: `/api/v1/namespaces/NS/services/[https:]NAME[:PORT]/proxy/PATH`.
    /// `port` is the port's name or number.
    public func proxyGet(service: String, namespace: String? = nil, port: String? = nil, scheme: ProxyScheme = .http,
                         path: String, query: [(name: String, value: String)] = [],
                         accept: String = "*/*") async throws -> HTTPResponse {
        try await proxyGet(Self.serviceType, name: service, namespace: namespace, port: port, scheme: scheme,
                           path: path, query: query, accept: accept)
    }

    private func proxyGet(_ type: ResourceType, name: String, namespace: String?, port: String?, scheme: ProxyScheme,
                          path: String, query: [(name: String, value: String)], accept: String) async throws -> HTTPResponse {
        try PathValidation.requireName(name, of: type)
        var target = scheme == .https ? "https:\(name)" : name
        if let port, !port.isEmpty { target += ":\(port)" }
        let subpath = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var request = try objectRequest(type, name: target, namespace: namespace,
                                        subresource: (["proxy"] + subpath).joined(separator: "/"))
        // Keep a trailing slash: some targets serve "/" and "" differently.
        if path.hasSuffix("/") && !subpath.isEmpty { request.path += "/" }
        request.query = query
        request.accept = accept
        let response = try await sendReturningAnyStatus(request)
        // A Status body means the API server itself refused (forbidden, no such pod, address
        // not allowed); anything else came from the target and is the caller's to judge.
        if !(200..<300).contains(response.status), KubeAPIError.isStatusBody(response.body) {
            throw KubeAPIError(status: response.status, body: response.body, request: request.summary)
        }
        return response
    }
}
