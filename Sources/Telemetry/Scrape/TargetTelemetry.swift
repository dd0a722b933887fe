import Foundation

/// Everything known about one target: its scrape health, the newest reading, the derived numbers
/// over the rate window, and their bounded history. A value: the scheduler updates its copy and
/// publishes copies, so readers never share mutable state with it.
public struct TargetTelemetry: Sendable {
    public let target: ScrapeTarget
    public var health: ScrapeHealth
    /// The newest successful server reading.
    public var latest: ServerSnapshot?
    /// Rates and quantiles over the rate window (nil until two readings span some time).
    public var window: ModelWindow?
    /// What the columns show (nil until the first reading, and for disabled metrics).
    public var numbers: DerivedNumbers?
    /// `numbers` after each successful scrape, the newest `history.capacity` of them.
    public var history: TimeSeries<DerivedNumbers>
    /// DCGM exporter targets: the GPUs of the last reading.
    public var gpus: [GPUDevice] = []
    /// Prometheus targets: per `namespace/pod` windows of the last reading.
    public var fleet: [String: ModelWindow] = [:]
    /// Lines the last reading skipped.
    public var badLines = 0
    /// Readings inside the rate window, oldest first, kept without per-model detail (the total is
    /// what the window needs; this bounds memory at fleet scale).
    var recent: [ServerSnapshot] = []

    public init(target: ScrapeTarget, historyCapacity: Int, firstAttempt: Date) {
        self.target = target
        health = ScrapeHealth(nextAttempt: firstAttempt)
        history = TimeSeries(capacity: historyCapacity)
    }

    public var metricsDisabled: Bool { latest?.metricsDisabled ?? false }

    public func freshness(at now: Date, staleAfter: TimeInterval) -> TelemetryFreshness {
        guard let lastSuccess = health.lastSuccess else {
            return health.lastError.map(TelemetryFreshness.failing) ?? .loading
        }
        if metricsDisabled { return .metricsDisabled }
        let age = now.timeIntervalSince(lastSuccess)
        return age > staleAfter ? .stale(age: age) : .live
    }

    mutating func recordSuccess(_ reading: TargetReading, at time: Date, rateWindow: TimeInterval, duration: TimeInterval) {
        health.lastAttempt = time
        health.lastSuccess = time
        health.lastError = nil
        health.consecutiveFailures = 0
        health.lastDuration = duration
        switch reading {
        case let .server(snapshot, badLines):
            self.badLines = badLines
            latest = snapshot
            record(snapshot, rateWindow: rateWindow)
        case let .gpus(devices, badLines):
            self.badLines = badLines
            gpus = devices
        case let .fleet(windows, devices):
            fleet = windows
            gpus = devices
        }
    }

    mutating func recordFailure(_ error: ScrapeError, at time: Date) {
        health.lastAttempt = time
        health.lastError = error
        health.consecutiveFailures += 1
    }

    private mutating func record(_ snapshot: ServerSnapshot, rateWindow: TimeInterval) {
        guard snapshot.availability == .live else {
            // Disabled now: old numbers would read as current ones.
            recent = []
            window = nil
            numbers = nil
            return
        }
        var trimmed = snapshot
        trimmed.models = []
        trimmed.cacheConfigs = []
        recent.append(trimmed)
        // Keep what lies inside the window, and always the reading before the newest so that one
        // interval longer than the window still gives a rate.
        let cutoff = snapshot.time.addingTimeInterval(-rateWindow)
        while recent.count > 2, recent[1].time <= cutoff { recent.removeFirst() }
        window = WindowStats(snapshots: recent)?.total
        numbers = window.map(DerivedNumbers.init(window:)) ?? DerivedNumbers(latest: snapshot.total)
        if let numbers { history.append(numbers, at: snapshot.time) }
    }
}
