import Foundation
import Operations
import Terminal

/// Operations in the session: refusing what read-only mode or RBAC forbids before any dialog,
/// the dialog's keys, the requests for `InFlightOperations` and the answers coming back. The
/// session never sends anything itself; it stays pure, so all of this runs headless in tests.
extension ConsoleSession {
    /// Read-only mode here (globally, or for the context connected to).
    public var isReadOnly: Bool { readOnly || connection.map { readOnlyContexts.contains($0.context) } ?? false }

    /// Why the intent may not even be offered: read-only mode, or an RBAC answer that says no.
    func refusal(_ intent: OperationIntent) -> String? {
        if isReadOnly { return OperationError.readOnly(verb: intent.verb, object: intent.target).description }
        if let decision = access.decision(intent.accessKey, now: now()), decision.isDenied {
            return "not allowed: \(intent.verb) \(intent.target): \(OperationDialog.deniedReason(decision))"
        }
        return nil
    }

    /// Starts an operation: refused, or worked out (the dialog says so) and then confirmed.
    func begin(_ intent: OperationIntent) {
        if let refusal = refusal(intent) { return showMessage(refusal, isError: true) }
        let ticket = nextTicket
        nextTicket += 1
        dialog = OperationDialog(ticket: ticket, stage: .preparing(intent))
        operationRequests.append(.prepare(intent, ticket: ticket))
    }

    /// Asks a number first (scale, canary weight), refused as `begin` would refuse its operation.
    func ask(_ question: NumberQuestion) {
        if let refusal = refusal(question.intent(question.prefill)) { return showMessage(refusal, isError: true) }
        let ticket = nextTicket
        nextTicket += 1
        dialog = OperationDialog(ticket: ticket, stage: .input(question, LineEditor(String(question.prefill)), problem: nil))
    }

    func handleDialog(_ key: Key) {
        guard var current = dialog else { return }
        let outcome = current.handle(key)
        dialog = current
        switch outcome {
        case .keep: break
        case .cancel: dialog = nil
        case let .refuse(text):
            dialog = nil
            showMessage(text, isError: true)
        case let .prepare(intent):
            dialog = nil
            begin(intent)
        case .send, .dryRun:
            guard var confirmation = current.confirmation else { return }
            let dryRun = outcome == .dryRun
            if dryRun { confirmation.dryRun = .running } else { confirmation.sending = true }
            current.stage = .confirm(confirmation)
            dialog = current
            operationRequests.append(.execute(confirmation.prepared, ticket: current.ticket, dryRun: dryRun, readOnly: isReadOnly))
        }
    }

    /// What `InFlightOperations` should do this turn: what keys asked for, the top screen's
    /// fetches, and the RBAC questions for the actions it offers that have no fresh answer.
    public func takeOperationRequests(state: ClusterState) -> [OperationRequest] {
        var requests = operationRequests
        operationRequests.removeAll()
        guard problem == nil, connection != nil else { return requests }
        let now = self.now()
        if let loading = top as? any LoadingScreen { requests += loading.dataRequests(state: state, now: now) }
        if !isReadOnly, let operating = top as? any OperatingScreen {
            let offered = operating.offeredOperations(state: state)
            let keys = offered.map(\.intent.accessKey)
            if offeredSince?.keys != keys { offeredSince = (keys, now) }
            guard let since = offeredSince?.time, now.timeIntervalSince(since) >= accessProbeDelay else { return requests }
            for (_, intent) in offered where access.needsAsking(intent.accessKey, now: now) {
                access.markAsked(intent.accessKey, now: now)
                requests.append(.probeAccess(intent))
            }
        }
        return requests
    }

    /// An answer from `InFlightOperations`.
    public func receive(_ event: OperationEvent) {
        let now = self.now()
        switch event {
        case let .prepared(ticket, intent, prepared, decision):
            access.store(decision, for: intent.accessKey, now: now)
            guard var current = dialog, current.ticket == ticket, current.preparingIntent != nil else { return }
            current.stage = .confirm(OperationDialog.Confirmation(prepared: prepared, access: decision))
            dialog = current
        case let .preparationFailed(ticket, text):
            guard dialog?.ticket == ticket else { return }
            dialog = nil
            showMessage(text, isError: true)
        case let .finished(ticket, dryRun, result):
            if dryRun {
                updateDryRun(ticket, .answered(DryRunSummary.lines(result)))
            } else {
                if dialog?.ticket == ticket { dialog = nil }
                showMessage(result.message, isError: false)
                invalidateLoadingScreens()
            }
        case let .failed(ticket, dryRun, text):
            if dryRun {
                updateDryRun(ticket, .failed(text))
            } else {
                if dialog?.ticket == ticket { dialog = nil }
                showMessage(text, isError: true)
                invalidateLoadingScreens()
            }
        case let .access(key, decision):
            access.store(decision, for: key, now: now)
        case .history, .canary:
            for screen in stack { (screen as? any LoadingScreen)?.receive(event, now: now) }
        }
    }

    private func updateDryRun(_ ticket: Int, _ state: OperationDialog.DryRunState) {
        guard var current = dialog, current.ticket == ticket, var confirmation = current.confirmation else { return }
        confirmation.dryRun = state
        current.stage = .confirm(confirmation)
        dialog = current
    }

    /// After a change every fetched view may be out of date (the informers' views update themselves).
    private func invalidateLoadingScreens() {
        for screen in stack { (screen as? any LoadingScreen)?.invalidate() }
    }

    /// The footer's hints: keys of operations that would be refused are greyed, with why.
    func footerHints(state: ClusterState) -> [(key: String, action: String, enabled: Bool)] {
        let hints = top.hints
        guard let operating = top as? any OperatingScreen else { return hints.map { ($0.key, $0.action, true) } }
        let offered = operating.offeredOperations(state: state)
        return hints.map { hint in
            guard let intent = offered.first(where: { $0.key == hint.key })?.intent else { return (hint.key, hint.action, true) }
            if isReadOnly { return (hint.key, hint.action + " (read-only)", false) }
            if let decision = access.decision(intent.accessKey, now: now()), decision.isDenied {
                return (hint.key, hint.action + " (denied: \(OperationDialog.deniedReason(decision)))", false)
            }
            return (hint.key, hint.action, true)
        }
    }
}
