import Foundation

/// How much a counter grew over a run of readings, as Prometheus's `increase` counts it (without its
/// extrapolation): a reading lower than the one before means the process restarted and counted again
/// from zero, so that reading is the growth since the restart.
public func counterIncrease(_ readings: [Double]) -> Double {
    guard var previous = readings.first else { return 0 }
    var total = 0.0
    for value in readings.dropFirst() {
        total += value >= previous ? value - previous : value
        previous = value
    }
    return total
}

/// p50/p90/p99 and mean of one histogram column over a window. Nil where nothing was observed.
public struct LatencySummary: Sendable, Equatable {
    public var p50: Double?
    public var p90: Double?
    public var p99: Double?
    public var mean: Double?
    public var observations: Double

    init(_ histogram: Histogram) {
        func finite(_ value: Double) -> Double? { value.isNaN ? nil : value }
        p50 = finite(histogram.quantile(0.5))
        p90 = finite(histogram.quantile(0.9))
        p99 = finite(histogram.quantile(0.99))
        mean = histogram.mean
        observations = histogram.observationCount ?? 0
    }
}

/// The derived numbers of one model over a window.
public struct ModelWindow: Sendable, Equatable {
    public var model: String
    /// Counter growth over the window (resets handled).
    public var increases: [CounterColumn: Double] = [:]
    /// `increases` per second.
    public var rates: [CounterColumn: Double] = [:]
    /// Histogram of what was observed inside the window (bucket deltas).
    public var histograms: [HistogramColumn: Histogram] = [:]
    /// Gauges at the window's end.
    public var latest: ModelMetrics
    /// Gauges averaged over the snapshots of the window.
    public var meanGauges: [GaugeColumn: Double] = [:]

    public var generationTokensPerSecond: Double? { rates[.generationTokens] ?? latest.gauges[.generationThroughput] }
    public var promptTokensPerSecond: Double? { rates[.promptTokens] ?? latest.gauges[.promptThroughput] }
    public var preemptionsPerSecond: Double? { rates[.preemptions] }
    public var requestsPerSecond: Double? { rates[.requestsFinished] }
    /// Failed ÷ finished requests over the window; nil when none finished or failures are not exported.
    public var errorRate: Double? {
        guard let failed = increases[.requestsFailed], let finished = increases[.requestsFinished], finished > 0 else { return nil }
        return failed / finished
    }

    /// Prefix-cache hits ÷ queries (both in tokens) over the window; else the server's own gauge.
    public var prefixCacheHitRate: Double? {
        if let queries = increases[.prefixCacheQueries], let hits = increases[.prefixCacheHits], queries > 0 {
            return hits / queries
        }
        return latest.gauges[.prefixCacheHitRate]
    }

    /// Batch size in requests: running requests at the window's end, and averaged over it.
    public var runningRequests: Double? { latest.running }
    public var meanRunningRequests: Double? { meanGauges[.running] }

    /// Batch size in tokens: mean tokens per engine step (Δsum ÷ Δcount of `iteration_tokens_total`).
    public var tokensPerStep: Double? { histograms[.iterationTokens]?.mean }
    /// Engine steps per second.
    public func stepsPerSecond(over seconds: Double) -> Double? {
        guard seconds > 0, let steps = histograms[.iterationTokens]?.observationCount else { return nil }
        return steps / seconds
    }

    public func latency(_ column: HistogramColumn) -> LatencySummary? {
        histograms[column].map(LatencySummary.init)
    }
    public func quantile(_ column: HistogramColumn, _ q: Double) -> Double? {
        guard let value = histograms[column]?.quantile(q), !value.isNaN else { return nil }
        return value
    }
}

/// Rates, quantiles and means over a window, from two or more snapshots of one server.
public struct WindowStats: Sendable {
    public var start: Date
    public var end: Date
    public var seconds: Double { end.timeIntervalSince(start) }
    public var models: [ModelWindow]
    public var total: ModelWindow

    public func model(_ name: String) -> ModelWindow? { models.first { $0.model == name } }

    /// Nil with fewer than two live snapshots or no time between them. Snapshots are ordered by time;
    /// disabled ones are left out.
    public init?(snapshots: [ServerSnapshot]) {
        let ordered = snapshots.filter { $0.availability == .live }.sorted { $0.time < $1.time }
        guard ordered.count >= 2, let first = ordered.first, let last = ordered.last,
              last.time > first.time else { return nil }
        start = first.time
        end = last.time
        let seconds = last.time.timeIntervalSince(first.time)
        let names = last.models.map(\.model)
        models = names.map { name in
            Self.window(model: name, seconds: seconds, readings: ordered.map { ($0, $0.model(name)) })
        }
        total = Self.window(model: "", seconds: seconds, readings: ordered.map { ($0, Optional($0.total)) })
    }

    /// Two snapshots: the common case of one scrape interval.
    public init?(from earlier: ServerSnapshot, to later: ServerSnapshot) {
        self.init(snapshots: [earlier, later])
    }

    private static func window(model: String, seconds: Double,
                               readings: [(snapshot: ServerSnapshot, metrics: ModelMetrics?)]) -> ModelWindow {
        let latest = readings.last?.metrics ?? ModelMetrics(model: model)
        var result = ModelWindow(model: model, latest: latest)

        for column in CounterColumn.allCases {
            // A counter read under another name than before (a renamed pair across an upgrade) starts over.
            var runs: [[Double]] = [[]]
            var previousSource: String?
            for (snapshot, metrics) in readings {
                guard let value = metrics?.counters[column] else { continue }
                let source = snapshot.sources[column.rawValue]
                if let previousSource, previousSource != source { runs.append([0]) }
                previousSource = source
                runs[runs.count - 1].append(value)
            }
            let present = runs.reduce(0) { $0 + $1.count }
            guard present >= 2 || runs.count > 1 else { continue }
            let increase = runs.reduce(0) { $0 + counterIncrease($1) }
            result.increases[column] = increase
            result.rates[column] = increase / seconds
        }

        for column in HistogramColumn.allCases {
            var accumulated: Histogram?
            var previous: Histogram?
            var previousSource: String?
            for (snapshot, metrics) in readings {
                guard let histogram = metrics?.histograms[column] else { continue }
                let source = snapshot.sources[column.rawValue]
                defer { previous = histogram; previousSource = source }
                guard let before = previous else { continue }
                let step = source == previousSource ? histogram.increase(since: before) : histogram
                if let sum = accumulated {
                    accumulated = sum.adding(step) ?? step  // a new bucket layout: only what it counted
                } else {
                    accumulated = step
                }
            }
            if let accumulated { result.histograms[column] = accumulated }
        }

        for column in GaugeColumn.allCases {
            let values = readings.compactMap { $0.metrics?.gauges[column] }
            if !values.isEmpty { result.meanGauges[column] = values.reduce(0, +) / Double(values.count) }
        }
        return result
    }
}
