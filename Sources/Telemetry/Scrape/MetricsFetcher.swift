import Foundation
import Kube

/// What one fetch brought back, before parsing.
public enum FetchedMetrics: Sendable {
    /// A `/metrics` body and its Content-Type.
    case exposition(Data, contentType: String?)
    /// A Prometheus server's numbers for many pods (keyed `namespace/pod`) and the GPUs it knows.
    case fleet([String: ModelWindow], gpus: [GPUDevice])
}

/// Fetches one target's metrics. The scheduler owns timeouts, retries and concurrency; a fetcher only
/// asks once. Tests and benchmarks put their own in place of the cluster one.
public protocol MetricsFetching: Sendable {
    func fetch(_ target: ScrapeTarget) async throws -> FetchedMetrics
}

/// The real fetcher: pods through the API server's pod proxy (`KubeClient.proxyGet`), URLs over the
/// given transport, Prometheus through `PrometheusFleetQuery`.
public struct ClusterMetricsFetcher: MetricsFetching {
    let kube: KubeClient?
    let transport: (any HTTPTransport)?
    /// The `rate()` range asked of Prometheus.
    let prometheusWindowSeconds: Double

    /// vLLM's `prometheus_client` answers OpenMetrics when asked; text 0.0.4 is what Prometheus itself
    /// scrapes by default and what vLLM's docs show, so it is preferred.
    static let accept = "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"

    public init(kube: KubeClient?, transport: (any HTTPTransport)? = nil, prometheusWindowSeconds: Double = 60) {
        self.kube = kube
        self.transport = transport
        self.prometheusWindowSeconds = prometheusWindowSeconds
    }

    public func fetch(_ target: ScrapeTarget) async throws -> FetchedMetrics {
        let response: HTTPResponse
        do {
            switch target.source {
            case let .podProxy(namespace, pod, port, scheme, path):
                guard let kube else { throw ScrapeError.unreachable("no cluster connection for \(target)") }
                response = try await kube.proxyGet(pod: pod, namespace: namespace, port: port, scheme: scheme,
                                                   path: path, accept: Self.accept)
            case let .url(url):
                guard let transport else { throw ScrapeError.unreachable("no HTTP transport for \(url)") }
                response = try await transport.send(HTTPRequest(url: url, headers: [("Accept", Self.accept)]))
            case let .prometheus(endpoint):
                let client = PrometheusClient(endpoint: endpoint, kube: kube, transport: transport)
                let query = PrometheusFleetQuery(client: client, windowSeconds: prometheusWindowSeconds)
                return .fleet(try await query.read(), gpus: try await query.readGPUs())
            }
        } catch let error as ScrapeError {
            throw error
        } catch let error as KubeAPIError {
            // The API server refused the proxy request (forbidden, no such pod, pod not running).
            throw ScrapeError.unreachable("API server: \(error.description)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ScrapeError.unreachable("\(error)")
        }
        guard (200..<300).contains(response.status) else {
            throw ScrapeError.httpStatus(response.status, detail: ScrapeError.firstLine(of: response.body))
        }
        return .exposition(response.body, contentType: response.headers["content-type"])
    }
}
