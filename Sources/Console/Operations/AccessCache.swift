import Foundation
import Operations

/// RBAC answers the console has asked for, each kept for `lifetime`: the footer greys out what
/// is denied, and an action is refused before its dialog opens. Roles change rarely but do
/// change, so answers expire rather than being kept for the session.
public struct AccessCache: Sendable {
    public var lifetime: TimeInterval = 30
    private var answers: [AccessKey: (decision: AccessDecision, time: Date)] = [:]
    /// Questions asked and not yet answered, so each is asked once.
    private var asked: [AccessKey: Date] = [:]

    public init() {}

    /// The answer while it is fresh.
    public func decision(_ key: AccessKey, now: Date) -> AccessDecision? {
        guard let answer = answers[key], now.timeIntervalSince(answer.time) < lifetime else { return nil }
        return answer.decision
    }

    /// True when the question should be asked now: no fresh answer, and not asked in the last
    /// `lifetime` (an answer that never comes is asked again).
    public func needsAsking(_ key: AccessKey, now: Date) -> Bool {
        guard decision(key, now: now) == nil else { return false }
        return asked[key].map { now.timeIntervalSince($0) >= lifetime } ?? true
    }

    public mutating func markAsked(_ key: AccessKey, now: Date) { asked[key] = now }

    public mutating func store(_ decision: AccessDecision, for key: AccessKey, now: Date) {
        answers[key] = (decision, now)
        asked[key] = nil
    }

    /// After `:ctx`: another user, other answers.
    public mutating func removeAll() {
        answers.removeAll()
        asked.removeAll()
    }
}
