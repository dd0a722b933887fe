import Foundation

/// Tuning and injected effects of an `Informer`. Tests replace `sleep`, `random` and `now`.
public struct InformerConfiguration: Sendable {
    /// LIST page size (the watch cache ignores it for resourceVersion=0 lists, etcd honours it).
    public var pageSize: Int
    public var backoff: ReconnectBackoff
    /// After this long disconnected the state turns from reconnecting to stale.
    public var staleAfter: Duration
    /// Each watch asks the server to close after a random number of seconds in this range
    /// (client-go's 5 to 10 minutes) so that re-watches spread out.
    public var watchTimeoutSeconds: ClosedRange<Int>
    /// Item changes within this interval are published as one snapshot.
    public var coalesceInterval: Duration
    /// Waits out a backoff delay.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Uniform in 0..<1: backoff jitter and watch timeouts.
    public var random: @Sendable () -> Double
    public var now: @Sendable () -> Date

    public init(pageSize: Int = 500, backoff: ReconnectBackoff = ReconnectBackoff(), staleAfter: Duration = .seconds(60),
                watchTimeoutSeconds: ClosedRange<Int> = 300...600, coalesceInterval: Duration = .milliseconds(100),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.pageSize = pageSize
        self.backoff = backoff
        self.staleAfter = staleAfter
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.coalesceInterval = coalesceInterval
        self.sleep = sleep
        self.random = random
        self.now = now
    }
}
