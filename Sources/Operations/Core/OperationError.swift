/// Why an operation did not run. Where kubectl has the same verb the text is kubectl's, word for
/// word, so scripts that grep kubectl's errors work unchanged (the CLI prefixes "error: ").
public enum OperationError: Error, Sendable, Equatable, CustomStringConvertible {
    case usage(String)
    /// `--read-only` (or the context's config) forbids changes.
    case readOnly(verb: String, object: String)
    /// A SelfSubjectAccessReview said no. `resource` is the whole sentence, as the server's 403 words it.
    case forbidden(verb: String, resource: String, reason: String?)
    case noRolloutHistory(kind: String, name: String)
    case revisionNotFound(Int64)
    case noLastRevision
    case pausedRollback
    case pausedRestart(resource: String, name: String)
    case restartTooSoon(name: String)
    case alreadyPaused(resource: String, name: String)
    case notPaused(resource: String, name: String)
    case progressDeadlineExceeded(name: String)
    case revisionMismatch(desired: Int64, running: Int64)
    case statusUnavailable(strategy: String)
    case timedOut
    case preconditionFailed(expected: Int, actual: Int)
    /// The object does not have the shape the operation needs (no selector, no template).
    case malformed(String)
    /// Canary: no mechanism found, or one that must not be driven directly.
    case canary(String)

    public var description: String {
        switch self {
        case let .usage(text): return text
        case let .readOnly(verb, object): return "read-only mode: refusing to \(verb) \(object)"
        case let .forbidden(_, resource, reason):
            return resource + (reason.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
        case let .noRolloutHistory(kind, name): return "no rollout history found for \(kind) \"\(name)\""
        case let .revisionNotFound(n): return "unable to find specified revision \(n) in history"
        case .noLastRevision: return "no last revision to roll back to"
        case .pausedRollback:
            return "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"
        case let .pausedRestart(resource, name): return "\(resource) \"\(name)\" can't restart paused deployment (run rollout resume first)"
        case let .restartTooSoon(name):
            return "failed to create patch for \(name): if restart has already been triggered within the past second, please wait before attempting to trigger another"
        case let .alreadyPaused(resource, name): return "\(resource) \"\(name)\" is already paused"
        case let .notPaused(resource, name): return "\(resource) \"\(name)\" is not paused"
        case let .progressDeadlineExceeded(name): return "deployment \"\(name)\" exceeded its progress deadline"
        case let .revisionMismatch(desired, running):
            return "desired revision (\(desired)) is different from the running revision (\(running))"
        case let .statusUnavailable(strategy): return "rollout status is only available for \(strategy) strategy type"
        case .timedOut: return "timed out waiting for the condition"
        case let .preconditionFailed(expected, actual): return "Expected replicas to be \(expected), was \(actual)"
        case let .malformed(text): return text
        case let .canary(text): return text
        }
    }
}
