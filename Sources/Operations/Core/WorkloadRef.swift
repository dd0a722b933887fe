import Kube

/// The workload kinds that scale and roll out. DaemonSets are not served by the local cluster and
/// carry no vLLM replicas, so they are left out on purpose.
public enum WorkloadKind: String, Sendable, Hashable, Codable, CaseIterable {
    case deployment
    case statefulSet = "statefulset"

    public var resourceType: ResourceType {
        switch self {
        case .deployment: return Deployment.resourceType
        case .statefulSet: return StatefulSet.resourceType
        }
    }

    /// kubectl's spelling of the resource in messages: "deployment.apps".
    public var qualifiedName: String { "\(rawValue).apps" }

    /// The names kubectl accepts on its command line for these kinds.
    public static func parse(_ text: String) -> WorkloadKind? {
        switch text.lowercased() {
        case "deployment", "deployments", "deploy", "deployment.apps", "deployments.apps": return .deployment
        case "statefulset", "statefulsets", "sts", "statefulset.apps", "statefulsets.apps": return .statefulSet
        default: return nil
        }
    }
}

/// One workload an operation acts on.
public struct WorkloadRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: WorkloadKind
    public var name: String
    public var namespace: String

    public init(kind: WorkloadKind, name: String, namespace: String) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    /// "deployment.apps/vllm-qwen": how kubectl names the object in its output.
    public var description: String { "\(kind.qualifiedName)/\(name)" }

    /// Reads `TYPE/NAME` or `TYPE NAME`, as kubectl does.
    public static func parse(_ arguments: [String], namespace: String) throws -> WorkloadRef {
        var parts = arguments
        if parts.count == 1, let slash = parts[0].firstIndex(of: "/") {
            parts = [String(parts[0][..<slash]), String(parts[0][parts[0].index(after: slash)...])]
        }
        guard parts.count == 2, !parts[1].isEmpty else {
            throw OperationError.usage("expected TYPE/NAME or TYPE NAME, e.g. deployment/vllm-qwen")
        }
        guard let kind = WorkloadKind.parse(parts[0]) else {
            throw OperationError.usage("no operations for resource type \"\(parts[0])\": use deployment or statefulset")
        }
        return WorkloadRef(kind: kind, name: parts[1], namespace: namespace)
    }
}
