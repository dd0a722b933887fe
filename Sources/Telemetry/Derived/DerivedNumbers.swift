import Foundation

/// The numbers the console's metric columns and `kvdeck top` show for one pod or one workload. Nil
/// means "not known" (the server does not export it, or one scrape is not enough for a rate) and is
/// shown as "-", never as 0.
public struct DerivedNumbers: Sendable, Equatable, Codable {
    /// 0…1, the fullest engine (the one that preempts first).
    public var kvCacheUsage: Double?
    /// Batch size in requests, summed over engines.
    public var running: Double?
    public var waiting: Double?
    /// Generated tokens per second over the window (else the server's own throughput gauge).
    public var generationTokensPerSecond: Double?
    public var promptTokensPerSecond: Double?
    public var requestsPerSecond: Double?
    /// Failed (aborted, errored) ÷ finished requests over the window, 0…1.
    public var errorRate: Double?
    public var preemptionsPerSecond: Double?
    /// Prefix-cache hit ratio 0…1 over the window.
    public var prefixCacheHitRate: Double?
    /// Batch size in tokens: mean tokens per engine step over the window.
    public var tokensPerStep: Double?
    /// Seconds, from bucket deltas over the window; nil when nothing was observed in it.
    public var ttftP50: Double?
    public var ttftP90: Double?
    public var ttftP99: Double?
    public var itlP50: Double?
    public var itlP99: Double?
    public var e2eP50: Double?
    public var e2eP99: Double?
    public var queueP99: Double?

    public init() {}

    /// From the latest gauges alone (one scrape: no rates or quantiles yet).
    public init(latest: ModelMetrics) {
        kvCacheUsage = latest.kvCacheUsage
        running = latest.running
        waiting = latest.waiting
        generationTokensPerSecond = latest.gauges[.generationThroughput]
        promptTokensPerSecond = latest.gauges[.promptThroughput]
        prefixCacheHitRate = latest.gauges[.prefixCacheHitRate]
    }

    /// From a window: gauges at its end, rates and quantiles over it.
    public init(window: ModelWindow) {
        self.init(latest: window.latest)
        generationTokensPerSecond = window.generationTokensPerSecond
        promptTokensPerSecond = window.promptTokensPerSecond
        requestsPerSecond = window.requestsPerSecond
        errorRate = window.errorRate
        preemptionsPerSecond = window.preemptionsPerSecond
        prefixCacheHitRate = window.prefixCacheHitRate
        tokensPerStep = window.tokensPerStep
        ttftP50 = window.quantile(.timeToFirstToken, 0.5)
        ttftP90 = window.quantile(.timeToFirstToken, 0.9)
        ttftP99 = window.quantile(.timeToFirstToken, 0.99)
        itlP50 = window.quantile(.interTokenLatency, 0.5)
        itlP99 = window.quantile(.interTokenLatency, 0.99)
        e2eP50 = window.quantile(.endToEndLatency, 0.5)
        e2eP99 = window.quantile(.endToEndLatency, 0.99)
        queueP99 = window.quantile(.queueTime, 0.99)
    }
}

extension ModelWindow {
    /// Several servers as one (a workload's pods): rates and increases add, histograms add bucket by
    /// bucket (so a workload's p99 is the p99 of all its requests, not an average of p99s), running and
    /// waiting add, KV usage is the fullest pod's. Histograms with another bucket layout than the first
    /// pod's (pods of two vLLM versions mid-rollout) are left out rather than mixed.
    public static func combining(_ windows: [ModelWindow], model: String = "") -> ModelWindow? {
        guard !windows.isEmpty else { return nil }
        let latest = ServerSnapshot.combine(windows.map(\.latest))
        var result = ModelWindow(model: model, latest: latest)
        for window in windows {
            for (column, value) in window.increases { result.increases[column, default: 0] += value }
            for (column, value) in window.rates { result.rates[column, default: 0] += value }
            for (column, histogram) in window.histograms {
                if let current = result.histograms[column] {
                    result.histograms[column] = current.adding(histogram) ?? current
                } else {
                    result.histograms[column] = histogram
                }
            }
            for (column, value) in window.meanGauges {
                if let current = result.meanGauges[column] {
                    result.meanGauges[column] = column.combinesBySum ? current + value : max(current, value)
                } else {
                    result.meanGauges[column] = value
                }
            }
        }
        return result
    }
}
