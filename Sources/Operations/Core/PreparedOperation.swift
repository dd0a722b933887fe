import Foundation
import Kube
import YAML

/// An operation worked out and ready to confirm: what it will send, or why it will send nothing.
/// The console shows `request.displayText` in its confirm dialog and calls `OperationRunner.execute`.
public struct PreparedOperation: Sendable {
    /// The verb as the audit log and RBAC name it: "scale", "rollout undo", "canary set-weight".
    public var verb: String
    /// kubectl's name for the object: "deployment.apps/vllm-qwen".
    public var target: String
    /// The write, or nil when there is nothing to send (see `noOpMessage`).
    public var request: PlannedRequest?
    /// kubectl's word for success: "scaled", "rolled back", "restarted", "paused", "resumed".
    public var successWord: String
    /// Set when the operation is a no-op, with kubectl's text ("skipped rollback (...)").
    public var noOpMessage: String?
    /// Things the operator should know first (an HPA will fight this scale).
    public var warnings: [String]
    /// For precondition writes (GET + PUT): builds the request again from a fresh read after a 409.
    public var replan: (@Sendable () async throws -> PlannedRequest)?
    /// Further writes sent after `request`, in order (a canary that moves two objects).
    public var followUps: [PlannedRequest]

    public init(verb: String, target: String, request: PlannedRequest?, successWord: String,
                noOpMessage: String? = nil, warnings: [String] = [], followUps: [PlannedRequest] = [],
                replan: (@Sendable () async throws -> PlannedRequest)? = nil) {
        self.verb = verb
        self.target = target
        self.request = request
        self.successWord = successWord
        self.noOpMessage = noOpMessage
        self.warnings = warnings
        self.followUps = followUps
        self.replan = replan
    }

    /// Every write, in the order they are sent.
    public var requests: [PlannedRequest] { (request.map { [$0] } ?? []) + followUps }
}

/// What happened.
public struct OperationResult: Sendable {
    public enum Outcome: String, Sendable { case changed, unchanged, dryRun = "dry-run" }

    public var verb: String
    public var target: String
    public var outcome: Outcome
    /// kubectl's line: "deployment.apps/vllm-qwen scaled", "... scaled (server dry run)".
    public var message: String
    /// The requests as sent (with `dryRun` set when it was a dry run).
    public var requests: [PlannedRequest]
    /// The server's answer to the last write (for a dry run, the would-be object).
    public var response: JSONValue?
    public var warnings: [String]

    public var json: JSONValue {
        var object: JSONObject = [
            "verb": .string(verb), "target": .string(target), "outcome": .string(outcome.rawValue),
            "message": .string(message), "requests": .array(requests.map(\.json)),
        ]
        if !warnings.isEmpty { object["warnings"] = .array(warnings.map { .string($0) }) }
        if let response { object["response"] = response }
        return .object(object)
    }
}
