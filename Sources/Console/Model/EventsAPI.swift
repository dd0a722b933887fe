import Foundation
import Kube

/// Which Events API the console reads. events.k8s.io/v1 where the server serves it: it is the API
/// the control plane writes today and the one that keeps series and notes whole. Otherwise core/v1,
/// which every cluster serves (the embedded local cluster serves only it). Both hold the same
/// objects, so reading one is enough.
public enum EventsAPI: Sendable, Equatable {
    case eventsV1
    case coreV1

    /// From discovery. A server that cannot be asked (yet) gets core/v1: its informer retries
    /// like the others, and every cluster serves it.
    public static func discover(using client: KubeClient) async -> EventsAPI {
        guard let groups = try? await client.apiGroups() else { return .coreV1 }
        return groups.contains { $0.name == EventsV1Event.resourceType.group && $0.versions.contains(EventsV1Event.resourceType.version) }
            ? .eventsV1 : .coreV1
    }
}
