import Foundation
import Kube
import YAML

/// How changes may be made in this session.
public struct OperationSettings: Sendable {
    /// Refuse every change (`--read-only`, or the context's config).
    public var readOnly: Bool
    /// Send every write with `?dryRun=All`.
    public var dryRun: Bool
    /// Ask a SelfSubjectAccessReview before each write and refuse what RBAC denies.
    public var checkAccess: Bool
    /// Where changes are recorded; nil records nothing (tests).
    public var auditLog: AuditLog?

    public init(readOnly: Bool = false, dryRun: Bool = false, checkAccess: Bool = true, auditLog: AuditLog? = nil) {
        self.readOnly = readOnly
        self.dryRun = dryRun
        self.checkAccess = checkAccess
        self.auditLog = auditLog
    }

    /// `KVDECK_READ_ONLY=1` (or true, yes): the CLI's verbs and the console both honour it.
    public static func readOnlyRequested(environment: [String: String]) -> Bool {
        ["1", "true", "yes"].contains((environment["KVDECK_READ_ONLY"] ?? "").lowercased())
    }
}

/// Sends prepared operations: refuses in read-only mode, checks RBAC, sends the planned requests
/// exactly, retries precondition conflicts as kubectl does, and appends to the audit log.
public final class OperationRunner: Sendable {
    public let client: KubeClient
    public let settings: OperationSettings
    private let identity: IdentityCache
    /// kubectl retries a conflicting precondition write every second for up to five minutes.
    let conflictRetryInterval: Duration
    let conflictRetryLimit: Duration

    public init(client: KubeClient, settings: OperationSettings = OperationSettings(),
                conflictRetryInterval: Duration = .seconds(1), conflictRetryLimit: Duration = .seconds(300)) {
        self.client = client
        self.settings = settings
        self.identity = IdentityCache(client: client)
        self.conflictRetryInterval = conflictRetryInterval
        self.conflictRetryLimit = conflictRetryLimit
    }

    /// Whether RBAC lets this session send the operation's writes (for greying out actions).
    public func access(for operation: PreparedOperation) async -> AccessDecision {
        for request in operation.requests {
            let decision = await AccessCheck(client: client).check(request)
            if decision.verdict != .allowed { return decision }
        }
        return AccessDecision(verdict: .allowed, reason: nil)
    }

    public func execute(_ operation: PreparedOperation) async throws -> OperationResult {
        guard !operation.requests.isEmpty else {
            let message = "\(operation.target) \(operation.noOpMessage ?? "unchanged")"
            return OperationResult(verb: operation.verb, target: operation.target, outcome: .unchanged, message: message,
                                   requests: [], response: nil, warnings: operation.warnings)
        }
        if settings.readOnly { throw OperationError.readOnly(verb: operation.verb, object: operation.target) }
        if settings.checkAccess {
            for request in operation.requests {
                let decision = await AccessCheck(client: client).check(request)
                if decision.isDenied {
                    throw OperationError.forbidden(verb: request.method.accessVerb,
                                                   resource: Self.resourceName(request), reason: decision.reason)
                }
            }
        }
        var sent: [PlannedRequest] = []
        var response: JSONValue?
        for (index, planned) in operation.requests.enumerated() {
            var request = planned
            request.dryRun = settings.dryRun
            let replan = index == 0 ? operation.replan : nil
            let (final, answer) = try await sendAudited(request, verb: operation.verb, target: operation.target, replan: replan)
            sent.append(final)
            response = answer
        }
        let suffix = settings.dryRun ? " (server dry run)" : ""
        return OperationResult(verb: operation.verb, target: operation.target,
                               outcome: settings.dryRun ? .dryRun : .changed,
                               message: "\(operation.target) \(operation.successWord)\(suffix)",
                               requests: sent, response: response, warnings: operation.warnings)
    }

    /// Sends one write; a 409 on a precondition write is retried with a fresh plan.
    private func sendAudited(_ first: PlannedRequest, verb: String, target: String,
                             replan: (@Sendable () async throws -> PlannedRequest)?) async throws -> (PlannedRequest, JSONValue) {
        var request = first
        let deadline = ContinuousClock.now + conflictRetryLimit
        while true {
            do {
                let answer = try await send(request)
                await audit(request, verb: verb, target: target, status: 200, error: nil)
                return (request, answer)
            } catch let error as KubeAPIError where error.isConflict && replan != nil && ContinuousClock.now < deadline {
                await audit(request, verb: verb, target: target, status: error.code, error: error.description)
                try await Task.sleep(for: conflictRetryInterval)
                if let replan {
                    let dryRun = request.dryRun
                    request = try await replan()
                    request.dryRun = dryRun
                }
            } catch let error as KubeAPIError {
                await audit(request, verb: verb, target: target, status: error.code, error: error.description)
                throw error
            } catch {
                await audit(request, verb: verb, target: target, status: nil, error: "\(error)")
                throw error
            }
        }
    }

    /// The request exactly as planned, through the client's own write calls.
    func send(_ request: PlannedRequest) async throws -> JSONValue {
        switch request.method {
        case .patch:
            return try await client.patch(request.type, name: request.name, namespace: request.namespace,
                                          subresource: request.subresource, patch: request.body,
                                          type: request.patchType ?? .merge, dryRun: request.dryRun,
                                          fieldManager: request.fieldManager)
        case .put:
            let body = try JSONValue(json: request.body)
            return try await client.replace(request.type, name: request.name, namespace: request.namespace,
                                            subresource: request.subresource, body: body, dryRun: request.dryRun,
                                            fieldManager: request.fieldManager)
        case .post:
            return try await client.create(request.type, namespace: request.namespace, body: try JSONValue(json: request.body),
                                           dryRun: request.dryRun, fieldManager: request.fieldManager)
        }
    }

    /// Dry runs change nothing, so they are not audited.
    private func audit(_ request: PlannedRequest, verb: String, target: String, status: Int?, error: String?) async {
        guard let log = settings.auditLog, !request.dryRun else { return }
        let entry = AuditLog.Entry(
            time: Date(), context: client.connection.contextName, user: await identity.userName(), verb: verb,
            object: target, namespace: request.namespace, request: request,
            result: error == nil ? "success" : "failure", status: status, error: error)
        do {
            try log.append(entry)
        } catch {
            // An audit failure must be seen, but the change has already been made (or refused).
            FileHandle.standardError.write(Data("warning: could not write the audit log \(log.url.path): \(error)\n".utf8))
        }
    }

    /// Worded as the API server words its 403: `deployments.apps "x" is forbidden: cannot patch
    /// resource "deployments/scale" in API group "apps" in the namespace "ns"`.
    static func resourceName(_ request: PlannedRequest) -> String {
        let resource = request.subresource.map { "\(request.type.resource)/\($0)" } ?? request.type.resource
        var text = "\(request.type.description) \"\(request.name)\" is forbidden: cannot \(request.method.accessVerb) resource \"\(resource)\" in API group \"\(request.type.group)\""
        if let namespace = request.namespace { text += " in the namespace \"\(namespace)\"" }
        return text
    }
}
