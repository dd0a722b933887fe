import Foundation

/// How long a failing target waits before the next try: the scrape interval doubled per consecutive
/// failure, up to `maximum`. A dead pod is then asked every few minutes instead of every cycle, which
/// keeps a fleet with many broken targets from spending its concurrency on them.
public struct Backoff: Sendable, Equatable {
    public var maximum: TimeInterval
    public var factor: Double

    public init(maximum: TimeInterval = 300, factor: Double = 2) {
        self.maximum = maximum
        self.factor = max(1, factor)
    }

    /// The wait after `failures` consecutive failures (1 = the first): interval × factor^failures,
    /// capped. Zero failures: one interval.
    public func delay(afterFailures failures: Int, interval: TimeInterval) -> TimeInterval {
        guard failures > 0 else { return interval }
        let grown = interval * pow(factor, Double(min(failures, 60)))
        return min(max(interval, maximum), grown)
    }
}
