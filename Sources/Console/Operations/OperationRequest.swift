import Kube
import Operations

/// What the session asks of `InFlightOperations` (which the runner drives): plain values, so the
/// session stays headless and its requests can be checked in tests.
public enum OperationRequest: Sendable {
    /// Work the intent out and ask RBAC about it; answered with `.prepared` or `.preparationFailed`.
    case prepare(OperationIntent, ticket: Int)
    /// Send (or, with `dryRun`, preview with `?dryRun=All`) what the confirm dialog showed;
    /// answered with `.finished` or `.failed`.
    case execute(PreparedOperation, ticket: Int, dryRun: Bool, readOnly: Bool)
    /// Ask RBAC about an action before offering it; answered with `.access`.
    case probeAccess(OperationIntent)
    case loadHistory(WorkloadRef)
    case loadCanary(name: String, namespace: String)
}

/// A value that was fetched, or why it could not be.
public enum Loaded<Value: Sendable>: Sendable {
    case value(Value)
    case failed(String)
}

/// What comes back, delivered to the session on the main actor.
public enum OperationEvent: Sendable {
    case prepared(ticket: Int, OperationIntent, PreparedOperation, AccessDecision)
    case preparationFailed(ticket: Int, String)
    case finished(ticket: Int, dryRun: Bool, OperationResult)
    case failed(ticket: Int, dryRun: Bool, String)
    case access(AccessKey, AccessDecision)
    case history(WorkloadRef, Loaded<[RevisionEntry]>)
    case canary(name: String, namespace: String, Loaded<CanaryView>)
}
