import Kube
import Operations

/// What the operator asked for, as plain data: the session and the screens deal in intents and
/// stay pure; `InFlightOperations` turns one into a `PreparedOperation` (which reads the cluster)
/// and sends it.
public enum OperationIntent: Sendable, Equatable {
    case scale(WorkloadRef, replicas: Int)
    case restart(WorkloadRef)
    /// To a chosen revision (0: the previous one, as `kubectl rollout undo`).
    case undo(WorkloadRef, toRevision: Int64)
    case canarySetWeight(CanaryState, percent: Int)
    /// Moves the canary's weight by this many points (clamped to 0...100).
    case canaryStep(CanaryState, points: Int)
    case canaryPromote(CanaryState)
    case canaryAbort(CanaryState)

    /// The verb as Operations names it in the audit log and the prepared operation.
    public var verb: String {
        switch self {
        case .scale: return "scale"
        case .restart: return "rollout restart"
        case .undo: return "rollout undo"
        case .canarySetWeight, .canaryStep: return "canary set-weight"
        case .canaryPromote: return "canary promote"
        case .canaryAbort: return "canary abort"
        }
    }

    /// kubectl's name for the object acted on: "deployment.apps/smollm2".
    public var target: String {
        switch self {
        case let .scale(ref, _), let .restart(ref), let .undo(ref, _): return ref.description
        case let .canarySetWeight(state, _), let .canaryStep(state, _), let .canaryPromote(state), let .canaryAbort(state):
            return state.object
        }
    }

    public var namespace: String {
        switch self {
        case let .scale(ref, _), let .restart(ref), let .undo(ref, _): return ref.namespace
        case let .canarySetWeight(state, _), let .canaryStep(state, _), let .canaryPromote(state), let .canaryAbort(state):
            return state.namespace
        }
    }

    /// The target with its namespace, so that access answers of two namespaces never mix.
    public var object: String { "\(namespace)/\(target)" }

    /// What RBAC is asked about: one verb on one object, whatever the numbers.
    public var accessKey: AccessKey { AccessKey(verb: verb, object: object) }

    /// Works the intent out against the cluster, exactly as the CLI verb does.
    public func prepare(client: KubeClient) async throws -> PreparedOperation {
        switch self {
        case let .scale(ref, replicas): return try await ScaleOperation(client: client).prepare(ref, replicas: replicas)
        case let .restart(ref): return try await RestartOperation(client: client).prepare(ref)
        case let .undo(ref, revision): return try await RollbackOperation(client: client).prepare(ref, toRevision: revision)
        case let .canarySetWeight(state, percent): return try await CanaryOperations(client: client).setWeight(state, percent: percent)
        case let .canaryStep(state, points): return try await CanaryOperations(client: client).step(state, by: points)
        case let .canaryPromote(state): return try await CanaryOperations(client: client).promote(state)
        case let .canaryAbort(state): return try await CanaryOperations(client: client).abort(state)
        }
    }
}

/// One RBAC question as the console caches it: may I `verb` this `object`?
public struct AccessKey: Sendable, Hashable {
    public var verb: String
    public var object: String
}

extension InferenceWorkload {
    /// The workload as Operations addresses it.
    public var ref: WorkloadRef {
        WorkloadRef(kind: kind == .deployment ? .deployment : .statefulSet, name: name, namespace: namespace)
    }
}
