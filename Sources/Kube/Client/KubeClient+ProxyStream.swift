import Foundation

extension KubeClient {
    /// POST through the API server's service proxy and read the answer as it streams (an
    /// OpenAI-style `stream: true` request answered with server-sent events):
    /// `/api/v1/namespaces/NS/services/[https:]NAME[:PORT]/proxy/PATH`.
    /// A non-2xx answer throws `KubeAPIError` with the (bounded) body as its message.
    public func proxyPostStream(service: String, namespace: String? = nil, port: String? = nil, scheme: ProxyScheme = .http,
                                path: String, body: Data, contentType: String = "application/json",
                                accept: String = "text/event-stream") async throws -> StreamingResponse {
        try await proxyPostStream(Self.serviceType, name: service, namespace: namespace, port: port, scheme: scheme,
                                  path: path, body: body, contentType: contentType, accept: accept)
    }

    /// The same through the pod proxy (`/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/PATH`), for
    /// a workload no Service selects.
    public func proxyPostStream(pod: String, namespace: String? = nil, port: String? = nil, scheme: ProxyScheme = .http,
                                path: String, body: Data, contentType: String = "application/json",
                                accept: String = "text/event-stream") async throws -> StreamingResponse {
        try await proxyPostStream(Self.podType, name: pod, namespace: namespace, port: port, scheme: scheme,
                                  path: path, body: body, contentType: contentType, accept: accept)
    }

    private func proxyPostStream(_ type: ResourceType, name: String, namespace: String?, port: String?, scheme: ProxyScheme,
                                 path: String, body: Data, contentType: String, accept: String) async throws -> StreamingResponse {
        try PathValidation.requireName(name, of: type)
        var target = scheme == .https ? "https:\(name)" : name
        if let port, !port.isEmpty { target += ":\(port)" }
        let subpath = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var request = try objectRequest(type, name: target, namespace: namespace,
                                        subresource: (["proxy"] + subpath).joined(separator: "/"), method: "POST")
        request.accept = accept
        request.contentType = contentType
        request.body = body
        return try await openStream(request)
    }
}
