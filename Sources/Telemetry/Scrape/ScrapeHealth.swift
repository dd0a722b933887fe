import Foundation

/// How one target's scraping is going: when it last worked, what failed since, when it is next due.
public struct ScrapeHealth: Sendable, Equatable {
    public var lastAttempt: Date?
    public var lastSuccess: Date?
    public var lastError: ScrapeError?
    public var consecutiveFailures = 0
    /// When the scheduler next asks this target (later than one interval while backing off).
    public var nextAttempt: Date
    /// Seconds the last successful scrape took.
    public var lastDuration: TimeInterval?

    public init(nextAttempt: Date) { self.nextAttempt = nextAttempt }

    /// Seconds since the last success; nil before the first.
    public func age(at now: Date) -> TimeInterval? { lastSuccess.map { now.timeIntervalSince($0) } }
}

/// What a column shows for a target, in the order the console checks it.
public enum TelemetryFreshness: Sendable, Equatable {
    /// Not scraped successfully yet, and not failed yet either.
    case loading
    /// Recent numbers.
    case live
    /// Numbers older than the staleness limit (the target has failed since, or the scheduler fell behind).
    case stale(age: TimeInterval)
    /// Never scraped successfully: only an error to show.
    case failing(ScrapeError)
    /// The server answered, but with no engine families (vLLM with `--disable-log-stats`).
    case metricsDisabled
}
