import Foundation

/// The time series the pod detail view graphs. Telemetry fills them (vLLM's `/metrics`, DCGM);
/// until it does, a source answers nil and the view says "no metrics yet" rather than drawing
/// zeros.
public enum PodGraphMetric: String, Sendable, CaseIterable {
    case throughput = "TOK/S"
    case ttftP50 = "TTFT p50"
    case ttftP99 = "TTFT p99"
    case interTokenLatency = "ITL p50"
    case queue = "WAITING"
    case kvCacheUsage = "KV-CACHE %"
    case gpuMemory = "GPU-MEM %"

    /// The value at the top of the graph when it is fixed (percentages), else nil (auto-scale).
    public var fixedMaximum: Double? {
        switch self {
        case .kvCacheUsage, .gpuMemory: return 100
        default: return nil
        }
    }

    /// How a value is written next to its graph.
    public func format(_ value: Double) -> String {
        switch self {
        case .throughput: return String(format: "%.0f tok/s", value)
        case .ttftP50, .ttftP99, .interTokenLatency: return value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%.2f s", value)
        case .queue: return String(format: "%.0f", value)
        case .kvCacheUsage, .gpuMemory: return String(format: "%.0f%%", value)
        }
    }
}

/// Evenly spaced samples of one metric, oldest first (nil where a scrape failed).
public struct GraphSeries: Sendable, Equatable {
    public var samples: [Double?]
    /// Seconds between samples.
    public var interval: Double
    public init(samples: [Double?], interval: Double) {
        self.samples = samples
        self.interval = interval
    }
    public var latest: Double? { samples.last ?? nil }
}

/// Supplies series per pod (`namespace/name`) and metric, covering at least `window` seconds.
@MainActor
public protocol GraphSeriesSource: AnyObject {
    func series(podKey: String, metric: PodGraphMetric, window: Double) -> GraphSeries?
}
