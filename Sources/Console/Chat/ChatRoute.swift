import Foundation
import Kube

/// How the console reaches a workload's OpenAI API through the API server: the Service whose
/// selector picks the workload's pods (the way its clients go), else one ready pod directly.
struct ChatRoute: Sendable, Equatable {
    enum Target: Sendable, Equatable {
        case service(String)
        case pod(String)
    }

    var namespace: String
    var target: Target
    var port: String
    /// The name `/v1/models` gives (vLLM answers 404 to a model it does not serve).
    var model: String?

    var description: String {
        switch target {
        case let .service(name): return "via service \(name):\(port)"
        case let .pod(name): return "via pod \(name):\(port) (no Service selects the workload)"
        }
    }

    /// Reads the workload, its namespace's Services and (without one) its pods.
    static func find(client: KubeClient, workload: InferenceWorkload) async throws -> ChatRoute {
        let ns = workload.namespace
        let template: PodTemplateSpec?
        switch workload.kind {
        case .deployment: template = try await client.get(Deployment.self, name: workload.name, namespace: ns).spec?.template
        case .statefulSet: template = try await client.get(StatefulSet.self, name: workload.name, namespace: ns).spec?.template
        }
        let labels = template?.metadata?.labels ?? [:]
        let containerPort = serverPort(template?.spec, container: workload.identity?.container)
        let services = try await client.list(Service.self, namespace: ns).items
        if let service = bestService(services, podLabels: labels), let name = service.metadata.name {
            return ChatRoute(namespace: ns, target: .service(name), port: servicePort(service, containerPort: containerPort))
        }
        let selector = workload.selector?.queryString
        let pods = try await client.list(Pod.self, namespace: ns, labelSelector: selector?.isEmpty == false ? selector : nil).items
        guard let pod = pods.first(where: { $0.isReady && $0.metadata.deletionTimestamp == nil }), let name = pod.metadata.name else {
            throw ChatBackendError("no Service selects \(workload.key) and none of its pods is ready")
        }
        return ChatRoute(namespace: ns, target: .pod(name), port: "\(containerPort)")
    }

    /// The Service whose selector all the pod template's labels satisfy; the most specific one
    /// (most selector labels) when several do, so `smollm2-stable` wins over a catch-all.
    static func bestService(_ services: [Service], podLabels: [String: String]) -> Service? {
        services.filter { s in
            guard let selector = s.spec?.selector, !selector.isEmpty, s.spec?.type != "ExternalName" else { return false }
            return selector.allSatisfy { podLabels[$0.key] == $0.value }
        }.sorted {
            ($0.spec?.selector?.count ?? 0, $1.metadata.name ?? "") > ($1.spec?.selector?.count ?? 0, $0.metadata.name ?? "")
        }.first
    }

    /// The Service port that leads to the server's container port (by number or name), else
    /// one named http, else the first.
    static func servicePort(_ service: Service, containerPort: Int) -> String {
        let ports = service.spec?.ports ?? []
        let port = ports.first { p in
            switch p.targetPort {
            case let .int(n)?: return n == containerPort
            case nil: return p.port == containerPort
            default: return false
            }
        } ?? ports.first { $0.name == "http" } ?? ports.first
        return port.map { "\($0.port)" } ?? "\(containerPort)"
    }

    /// The server container's port: one named http, else its first, else vLLM's 8000.
    static func serverPort(_ spec: PodSpec?, container: String?) -> Int {
        let containers = spec?.containers ?? []
        let c = containers.first { $0.name == container } ?? containers.first
        let ports = c?.ports ?? []
        return (ports.first { $0.name == "http" } ?? ports.first)?.containerPort ?? 8000
    }

    // MARK: Requests along the route

    func stream(_ client: KubeClient, body: Data) async throws -> StreamingResponse {
        switch target {
        case let .service(name):
            return try await client.proxyPostStream(service: name, namespace: namespace, port: port, path: "/v1/chat/completions", body: body)
        case let .pod(name):
            return try await client.proxyPostStream(pod: name, namespace: namespace, port: port, path: "/v1/chat/completions", body: body)
        }
    }

    /// The first model `/v1/models` lists, or nil when it cannot tell.
    func servedModel(_ client: KubeClient) async -> String? {
        let response: HTTPResponse?
        switch target {
        case let .service(name): response = try? await client.proxyGet(service: name, namespace: namespace, port: port, path: "/v1/models")
        case let .pod(name): response = try? await client.proxyGet(pod: name, namespace: namespace, port: port, path: "/v1/models")
        }
        guard let response, (200..<300).contains(response.status),
              let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let first = (object["data"] as? [[String: Any]])?.first else { return nil }
        return first["id"] as? String
    }
}
