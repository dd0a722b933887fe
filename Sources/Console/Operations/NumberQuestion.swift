import Foundation
import Operations

/// A number the operator types before an operation can be worked out: the replicas of a scale,
/// the weight of a canary. The input dialog asks it, prefilled with the current value.
public enum NumberQuestion: Sendable, Equatable {
    case replicas(WorkloadRef, current: Int)
    case canaryWeight(CanaryState)

    public var title: String {
        switch self {
        case let .replicas(ref, _): return "Scale \(ref)"
        case let .canaryWeight(state): return "Set the canary weight of \(state.object)"
        }
    }

    public var label: String {
        switch self {
        case .replicas: return "Replicas"
        case .canaryWeight: return "Canary weight (%)"
        }
    }

    public var prefill: Int {
        switch self {
        case let .replicas(_, current): return current
        case let .canaryWeight(state): return state.canaryPercent
        }
    }

    public var range: ClosedRange<Int> {
        switch self {
        // The API takes any int32; past a few thousand it is a typo rather than a plan.
        case .replicas: return 0...10_000
        case .canaryWeight: return 0...100
        }
    }

    /// The operation for an answer.
    public func intent(_ answer: Int) -> OperationIntent {
        switch self {
        case let .replicas(ref, _): return .scale(ref, replicas: answer)
        case let .canaryWeight(state): return .canarySetWeight(state, percent: answer)
        }
    }

    /// The answer in `text`, or why it is not one.
    public func parse(_ text: String) -> Result<Int, QuestionError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Int(trimmed) else { return .failure(QuestionError(message: "\(label) must be a whole number")) }
        guard range.contains(value) else {
            return .failure(QuestionError(message: "\(label) must be between \(range.lowerBound) and \(range.upperBound)"))
        }
        return .success(value)
    }
}

public struct QuestionError: Error, Sendable, Equatable {
    public var message: String
}
