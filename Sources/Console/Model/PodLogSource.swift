import Foundation
import Kube

/// Where log lines come from: the cluster's `pods/log` stream in the console, recorded lines in
/// tests. Each call is one container's stream; lines carry the server's timestamp prefix.
public protocol PodLogSource: Sendable {
    func lines(pod: String, namespace: String, options: LogOptions) -> AsyncThrowingStream<String, Error>
}

/// The real source: `KubeClient.logs`, which streams over the existing connection.
public struct KubeLogSource: PodLogSource {
    let client: KubeClient
    public init(client: KubeClient) { self.client = client }

    public func lines(pod: String, namespace: String, options: LogOptions) -> AsyncThrowingStream<String, Error> {
        client.logs(pod: pod, namespace: namespace, options: options)
    }
}
