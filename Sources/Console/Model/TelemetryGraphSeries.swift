import Foundation
import Telemetry

/// The pod detail's graphs from telemetry's per-pod history (`TargetTelemetry.history`: the
/// derived numbers after each successful scrape, 15 minutes of them). A graph without history
/// stays "no metrics yet"; GPU memory has no history in telemetry yet, so it stays that way.
enum TelemetryGraphSeries {
    static func series(_ telemetry: TelemetrySnapshot, podKey: String, metric: PodGraphMetric, window: Double) -> GraphSeries? {
        guard let history = telemetry.targets[podKey]?.history, !history.isEmpty else { return nil }
        let since = telemetry.time.addingTimeInterval(-window)
        let samples = history.points(since: since).map { value(metric, $0.value) }
        guard samples.contains(where: { $0 != nil }) else { return nil }
        return GraphSeries(samples: samples, interval: telemetry.interval)
    }

    static func value(_ metric: PodGraphMetric, _ n: DerivedNumbers) -> Double? {
        switch metric {
        case .throughput: return n.generationTokensPerSecond
        case .ttftP50: return n.ttftP50
        case .ttftP99: return n.ttftP99
        case .interTokenLatency: return n.itlP50
        case .queue: return n.waiting
        case .kvCacheUsage: return n.kvCacheUsage.map { $0 * 100 }
        case .gpuMemory: return nil
        }
    }
}
