import Foundation
import Kube
import Operations

/// Owns the operations in flight: the runner hands it the session's requests, it does the
/// network work in tasks off the main actor (the UI loop never waits on it), and delivers each
/// answer back on the main actor. After `:ctx` it is given the new client; answers for the old
/// one are dropped.
@MainActor
public final class InFlightOperations {
    public private(set) var client: KubeClient?
    /// Where changes are recorded (nil: nowhere, in tests).
    public let auditLog: AuditLog?
    /// Set when an answer arrived since the last frame; the loop redraws and clears it.
    public var changed = false
    private let deliver: @MainActor (OperationEvent) -> Void
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextTask = 0

    public init(client: KubeClient?, auditLog: AuditLog?, deliver: @escaping @MainActor (OperationEvent) -> Void) {
        self.client = client
        self.auditLog = auditLog
        self.deliver = deliver
    }

    public var isBusy: Bool { !tasks.isEmpty }

    /// Starts the work for one request; answers arrive through `deliver`.
    public func start(_ request: OperationRequest) {
        guard let client else {
            deliver(Self.noCluster(request))
            changed = true
            return
        }
        let id = nextTask
        nextTask += 1
        let auditLog = self.auditLog
        tasks[id] = Task { @MainActor [weak self] in
            let event = await Self.work(request, client: client, auditLog: auditLog)
            guard let self, self.tasks.removeValue(forKey: id) != nil, self.client === client else { return }
            self.deliver(event)
            self.changed = true
        }
    }

    /// Another cluster (`:ctx`): what was in flight for the old one is cancelled and never answered.
    public func replaceClient(_ client: KubeClient?) {
        guard client !== self.client else { return }
        for task in tasks.values { task.cancel() }
        tasks.removeAll()
        self.client = client
    }

    /// Waits until nothing is in flight (tests, and the runner at exit).
    public func idle() async {
        while let task = tasks.values.first { await task.value }
    }

    public func cancelAll() {
        for task in tasks.values { task.cancel() }
        tasks.removeAll()
    }

    /// The work itself, off the main actor.
    nonisolated static func work(_ request: OperationRequest, client: KubeClient, auditLog: AuditLog?) async -> OperationEvent {
        switch request {
        case let .prepare(intent, ticket):
            do {
                let prepared = try await intent.prepare(client: client)
                let access = await OperationRunner(client: client).access(for: prepared)
                return .prepared(ticket: ticket, intent, prepared, access)
            } catch {
                return .preparationFailed(ticket: ticket, KubectlErrorText.line(for: error))
            }
        case let .execute(prepared, ticket, dryRun, readOnly):
            let runner = OperationRunner(client: client, settings: OperationSettings(
                readOnly: readOnly, dryRun: dryRun, checkAccess: true, auditLog: auditLog))
            do {
                return .finished(ticket: ticket, dryRun: dryRun, try await runner.execute(prepared))
            } catch {
                return .failed(ticket: ticket, dryRun: dryRun, KubectlErrorText.line(for: error))
            }
        case let .probeAccess(intent):
            // A probe that cannot be worked out (a paused rollout, a managed route) says nothing
            // about RBAC: unknown, and the real attempt shows the reason.
            do {
                let prepared = try await intent.prepare(client: client)
                return .access(intent.accessKey, await OperationRunner(client: client).access(for: prepared))
            } catch {
                return .access(intent.accessKey, AccessDecision(verdict: .unknown, reason: KubectlErrorText.line(for: error)))
            }
        case let .loadHistory(ref):
            do {
                return .history(ref, .value(try await RolloutHistory(client: client).entries(ref)))
            } catch {
                return .history(ref, .failed(KubectlErrorText.line(for: error)))
            }
        case let .loadCanary(name, namespace):
            do {
                let state = try await CanaryOperations(client: client).status(name: name, namespace: namespace)
                let tracks = await CanaryTrackSelectors.resolve(state, client: client)
                return .canary(name: name, namespace: namespace, .value(CanaryView(state: state, tracks: tracks)))
            } catch {
                return .canary(name: name, namespace: namespace, .failed(KubectlErrorText.line(for: error)))
            }
        }
    }

    static func noCluster(_ request: OperationRequest) -> OperationEvent {
        let text = "no cluster connected"
        switch request {
        case let .prepare(_, ticket): return .preparationFailed(ticket: ticket, text)
        case let .execute(_, ticket, dryRun, _): return .failed(ticket: ticket, dryRun: dryRun, text)
        case let .probeAccess(intent): return .access(intent.accessKey, AccessDecision(verdict: .unknown, reason: text))
        case let .loadHistory(ref): return .history(ref, .failed(text))
        case let .loadCanary(name, namespace): return .canary(name: name, namespace: namespace, .failed(text))
        }
    }
}
