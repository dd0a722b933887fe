import Foundation

/// A wall clock tests move by hand, for code that takes `now: @Sendable () -> Date`: scheduling,
/// backoff and staleness can then be checked at exact times instead of by sleeping.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) { current = start }

    public var now: Date { lock.withLock { current } }

    public func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    /// The closure to hand to the code under test.
    public var function: @Sendable () -> Date { { [self] in now } }
}
