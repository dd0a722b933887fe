import Foundation
import Kube

/// Something whose metrics are read: a pod through the API server's pod proxy, a URL read directly,
/// or a Prometheus server asked for a pod's series. `key` identifies it across target-list updates,
/// so a pod that stays keeps its history.
public struct ScrapeTarget: Sendable, Hashable, CustomStringConvertible {
    public enum Source: Sendable, Hashable {
        /// `/api/v1/namespaces/NS/pods/[https:]NAME:PORT/proxy/PATH`.
        case podProxy(namespace: String, pod: String, port: String, scheme: ProxyScheme, path: String)
        /// A `/metrics` URL reached without the API server (a local test server, a port-forward).
        case url(URL)
        /// Every pod's numbers from a Prometheus server that already scrapes them (`/api/v1/query`, one
        /// set of queries per cycle for the whole fleet, not one per pod).
        case prometheus(PrometheusEndpoint)
    }

    /// What the target's metrics are for: an inference server (or, for Prometheus, many), or a DCGM
    /// exporter whose GPU rows are joined to other pods.
    public enum Role: String, Sendable, Hashable {
        case server, gpuExporter
    }

    public var source: Source
    public var role: Role

    public init(source: Source, role: Role = .server) {
        self.source = source
        self.role = role
    }

    /// `namespace/pod` for pod targets (the key the console joins on), the URL otherwise.
    public var key: String {
        switch source {
        case let .podProxy(namespace, pod, _, _, _): return "\(namespace)/\(pod)"
        case let .url(url): return url.absoluteString
        case let .prometheus(endpoint): return "prometheus \(endpoint)"
        }
    }

    /// `namespace/pod` when the target is a pod.
    public var podKey: String? {
        switch source {
        case let .podProxy(namespace, pod, _, _, _): return "\(namespace)/\(pod)"
        case .url, .prometheus: return nil
        }
    }

    public var description: String {
        switch source {
        case let .podProxy(namespace, pod, port, scheme, path):
            let target = scheme == .https ? "https:\(pod):\(port)" : "\(pod):\(port)"
            return "/api/v1/namespaces/\(namespace)/pods/\(target)/proxy/\(path)"
        case let .url(url): return url.absoluteString
        case let .prometheus(endpoint): return "prometheus \(endpoint)"
        }
    }

    /// A pod's `/metrics` through the pod proxy, port from its spec (`MetricsPort`). Nil for a pod that
    /// has no name or namespace.
    public static func pod(_ pod: Pod, container: String? = nil, role: Role = .server) -> ScrapeTarget? {
        guard let name = pod.metadata.name, let namespace = pod.metadata.namespace else { return nil }
        let port = role == .gpuExporter ? MetricsPort.ofExporter(pod) : MetricsPort.of(pod, container: container)
        return ScrapeTarget(source: .podProxy(namespace: namespace, pod: name, port: port, scheme: .http, path: "metrics"),
                            role: role)
    }
}
