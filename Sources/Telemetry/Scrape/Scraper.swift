import Foundation

/// The scrape scheduler: asks every target once per interval, at most `maxConcurrent` at a time, each
/// within a timeout; a failing target backs off exponentially; every target keeps a bounded history.
/// Fetching and parsing run in child tasks, so the actor only applies results; readers get value
/// snapshots (`snapshot()`, `updates()`) and never wait on the network.
public actor Scraper {
    public struct Configuration: Sendable, Equatable {
        /// Seconds between scrapes of one target.
        public var interval: TimeInterval
        /// Seconds one fetch may take before it counts as failed.
        public var timeout: TimeInterval
        /// Fetches in flight at once.
        public var maxConcurrent: Int
        /// How far back each target's history of derived numbers reaches (capacity = window ÷ interval).
        public var historyWindow: TimeInterval
        /// The window rates and quantiles are computed over.
        public var rateWindow: TimeInterval
        /// Numbers older than this are marked stale.
        public var staleAfter: TimeInterval
        public var backoff: Backoff

        public init(interval: TimeInterval = 5, timeout: TimeInterval? = nil, maxConcurrent: Int = 16,
                    historyWindow: TimeInterval = 15 * 60, rateWindow: TimeInterval = 60,
                    staleAfter: TimeInterval? = nil, backoff: Backoff = Backoff()) {
            self.interval = max(0.01, interval)
            // A scrape that takes longer than the interval would overlap the next one.
            self.timeout = timeout ?? min(10, max(0.01, interval * 0.8))
            self.maxConcurrent = max(1, maxConcurrent)
            self.historyWindow = historyWindow
            self.rateWindow = rateWindow
            // Three missed scrapes: one slow answer is not yet worth a mark.
            self.staleAfter = staleAfter ?? self.interval * 3
            self.backoff = backoff
        }

        var historyCapacity: Int { max(1, Int((historyWindow / interval).rounded(.up))) }
    }

    public private(set) var configuration: Configuration
    private let fetcher: any MetricsFetching
    private let now: @Sendable () -> Date
    private var states: [String: TargetTelemetry] = [:]
    private var order: [String] = []
    private var cycles = 0
    private var subscribers: [UUID: AsyncStream<TelemetrySnapshot>.Continuation] = [:]

    public init(fetcher: any MetricsFetching, configuration: Configuration = Configuration(),
                now: @escaping @Sendable () -> Date = Date.init) {
        self.fetcher = fetcher
        self.configuration = configuration
        self.now = now
    }

    /// Replaces the target list. Targets that stay (same key, same source) keep their state and history;
    /// new ones are due at once; gone ones are forgotten.
    public func setTargets(_ targets: [ScrapeTarget]) {
        let time = now()
        var next: [String: TargetTelemetry] = [:]
        var nextOrder: [String] = []
        for target in targets where next[target.key] == nil {
            if let existing = states[target.key], existing.target == target {
                next[target.key] = existing
            } else {
                next[target.key] = TargetTelemetry(target: target, historyCapacity: configuration.historyCapacity, firstAttempt: time)
            }
            nextOrder.append(target.key)
        }
        states = next
        order = nextOrder
    }

    public var targets: [ScrapeTarget] { order.compactMap { states[$0]?.target } }

    /// Runs cycles until the task is cancelled: each cycle scrapes what is due, publishes a snapshot,
    /// then sleeps until the next target is due (at most one second, so new targets start promptly).
    public func run() async {
        while !Task.isCancelled {
            await scrapeDue()
            let time = now()
            let nextDue = states.values.map(\.health.nextAttempt).min() ?? time.addingTimeInterval(configuration.interval)
            let wait = min(1, max(0.005, nextDue.timeIntervalSince(time)))
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }

    /// One cycle: every target due at the current time is fetched (bounded concurrency, per-target
    /// timeout), parsed in its child task, and applied here. Returns the number of targets asked.
    @discardableResult
    public func scrapeDue() async -> Int {
        let start = now()
        let due = order.filter { key in states[key].map { $0.health.nextAttempt <= start } ?? false }
        guard !due.isEmpty else { return 0 }
        let fetcher = self.fetcher
        let configuration = self.configuration
        let clock = self.now
        await withTaskGroup(of: (String, ScrapeTarget, Result<TargetReading, ScrapeError>, Date, TimeInterval)?.self) { group in
            var pending = due[...]
            func addNext() {
                // Targets removed by `setTargets` while this cycle ran are skipped, not waited for.
                var next: (String, ScrapeTarget)?
                while next == nil, let key = pending.popFirst() {
                    if let target = states[key]?.target { next = (key, target) }
                }
                guard let chosen = next else { return }
                let (key, target) = chosen
                group.addTask {
                    let began = clock()
                    let result = await Self.scrape(target, fetcher: fetcher, timeout: configuration.timeout, at: began)
                    if Task.isCancelled { return nil }
                    return (key, target, result, began, clock().timeIntervalSince(began))
                }
            }
            for _ in 0..<min(configuration.maxConcurrent, due.count) { addNext() }
            while let finished = await group.next() {
                addNext()
                guard let finished else { continue }
                let (key, target, result, began, duration) = finished
                guard var state = states[key], state.target == target else { continue }  // replaced meanwhile
                switch result {
                case let .success(reading):
                    state.recordSuccess(reading, at: began, rateWindow: configuration.rateWindow, duration: duration)
                    state.health.nextAttempt = start.addingTimeInterval(configuration.interval)
                case let .failure(error):
                    state.recordFailure(error, at: began)
                    let delay = configuration.backoff.delay(afterFailures: state.health.consecutiveFailures,
                                                            interval: configuration.interval)
                    state.health.nextAttempt = start.addingTimeInterval(delay)
                }
                states[key] = state
            }
        }
        cycles += 1
        publish()
        return due.count
    }

    /// Fetch with a deadline, then parse; every failure becomes a `ScrapeError`.
    static func scrape(_ target: ScrapeTarget, fetcher: any MetricsFetching, timeout: TimeInterval,
                       at time: Date) async -> Result<TargetReading, ScrapeError> {
        do {
            let fetched = try await withDeadline(seconds: timeout) { try await fetcher.fetch(target) }
            return .success(try TargetReading.parse(fetched, role: target.role, at: time))
        } catch let error as ScrapeError {
            return .failure(error)
        } catch {
            return .failure(.unreachable("\(error)"))
        }
    }

    /// Runs `operation`, cancelling it and throwing `timedOut` when it outlasts `seconds`.
    static func withDeadline<T: Sendable>(seconds: TimeInterval,
                                          _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                throw ScrapeError.timedOut(seconds: seconds)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw ScrapeError.timedOut(seconds: seconds) }
            return first
        }
    }

    // MARK: - Readers

    public func snapshot() -> TelemetrySnapshot {
        TelemetrySnapshot(time: now(), cycle: cycles, targets: states, staleAfter: configuration.staleAfter,
                          interval: configuration.interval)
    }

    /// A snapshot after every cycle; only the newest waits when the reader is slow.
    public func updates() -> AsyncStream<TelemetrySnapshot> {
        let (stream, continuation) = AsyncStream<TelemetrySnapshot>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        subscribers[id] = continuation
        continuation.yield(snapshot())
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    private func publish() {
        guard !subscribers.isEmpty else { return }
        let value = snapshot()
        for continuation in subscribers.values { continuation.yield(value) }
    }
}
