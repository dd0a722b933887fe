import Operations
import Terminal

/// The dialog an operation goes through, drawn by the session over the top screen: the number
/// to ask (scale, canary weight), then "working it out" while Operations reads the cluster, then
/// the confirmation that shows exactly what will be sent, the warnings and RBAC's verdict.
public struct OperationDialog: Sendable {
    public enum Stage: Sendable {
        case input(NumberQuestion, LineEditor, problem: String?)
        case preparing(OperationIntent)
        case confirm(Confirmation)
    }

    public struct Confirmation: Sendable {
        public var prepared: PreparedOperation
        public var access: AccessDecision
        public var dryRun: DryRunState = .notRun
        /// The write is on its way; keys wait for the answer.
        public var sending = false
    }

    public enum DryRunState: Sendable, Equatable {
        case notRun, running
        case answered([String])
        case failed(String)
    }

    /// What a key asks the session to do.
    public enum Outcome: Sendable, Equatable {
        case keep, cancel
        /// The input dialog's answer: work this intent out.
        case prepare(OperationIntent)
        case send
        case dryRun
        /// The key asked for something that cannot be done; the text says why.
        case refuse(String)
    }

    /// Tells answers of this dialog from those of an earlier one.
    public let ticket: Int
    public var stage: Stage
    /// The first body line shown, when the body is taller than the dialog.
    public var scroll = 0

    public init(ticket: Int, stage: Stage) {
        self.ticket = ticket
        self.stage = stage
    }

    public mutating func handle(_ key: Key) -> Outcome {
        switch stage {
        case .input(let question, var editor, _):
            switch key {
            case .escape: return .cancel
            case .enter:
                switch question.parse(editor.text) {
                case let .success(answer): return .prepare(question.intent(answer))
                case let .failure(error):
                    stage = .input(question, editor, problem: error.message)
                    return .keep
                }
            default:
                _ = editor.apply(key)
                stage = .input(question, editor, problem: nil)
                return .keep
            }
        case .preparing:
            return key == .escape || key == .character("n") ? .cancel : .keep
        case .confirm(let confirmation):
            if confirmation.sending { return .keep }
            switch key {
            case .escape, .character("n"), .character("N"): return .cancel
            case .character("y"), .character("Y"), .enter:
                if confirmation.access.isDenied {
                    return .refuse("not allowed: \(confirmation.prepared.verb) \(confirmation.prepared.target): "
                                   + Self.deniedReason(confirmation.access))
                }
                return .send
            case .character("d"):
                if confirmation.dryRun == .running || confirmation.prepared.requests.isEmpty { return .keep }
                return .dryRun
            case .down, .character("j"): scroll += 1
            case .up, .character("k"): scroll = max(0, scroll - 1)
            case .pageDown, .ctrl("f"): scroll += 10
            case .pageUp, .ctrl("b"): scroll = max(0, scroll - 10)
            case .home, .character("g"): scroll = 0
            default: break
            }
            return .keep
        }
    }

    /// The intent this dialog is about while it is being worked out.
    public var preparingIntent: OperationIntent? {
        if case let .preparing(intent) = stage { return intent }
        return nil
    }

    public var confirmation: Confirmation? {
        if case let .confirm(confirmation) = stage { return confirmation }
        return nil
    }

    static func deniedReason(_ decision: AccessDecision) -> String {
        guard let reason = decision.reason, !reason.isEmpty else { return "RBAC allows no such change for this user" }
        return reason
    }
}
