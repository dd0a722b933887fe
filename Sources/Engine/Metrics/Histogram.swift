/// A Prometheus-style histogram: counts per upper bound (plus +Inf), sum and count. A value type,
/// so a snapshot is a copy.
public struct Histogram: Sendable, Equatable {
    /// Upper bounds (`le`), ascending, without +Inf.
    public let bounds: [Double]
    /// Observations per bucket, not cumulative; the last entry is the +Inf bucket.
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    public mutating func observe(_ value: Double) {
        // `le` is inclusive: a value equal to a bound lands in that bound's bucket.
        let i = bounds.firstIndex { value <= $0 } ?? bounds.count
        counts[i] += 1
        sum += value
        count += 1
    }

    /// Cumulative counts per bound, as the exposition format writes `_bucket{le=...}`; the last
    /// is the +Inf bucket and equals `count`.
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return counts.map { running += $0; return running }
    }
}

/// vLLM V1's bucket bounds (reference §1.3), so our `/metrics` reads like a vLLM pod's.
public enum MetricBuckets {
    public static let timeToFirstToken: [Double] = [
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
        40.0, 80.0, 160.0, 640.0, 2560.0,
    ]
    /// Inter-token latency and time per output token.
    public static let perTokenLatency: [Double] = [
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
    ]
    /// e2e, queue, inference, prefill and decode time.
    public static let requestLatency: [Double] = [
        0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
        960.0, 1920.0, 7680.0,
    ]
    public static let iterationTokens: [Double] = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]

    /// vLLM `build_1_2_5_buckets(max)`: 1, 2, 5, 10, 20, 50, ... up to `max`, for token counts.
    public static func oneTwoFive(upTo max: Int) -> [Double] {
        var out: [Double] = []
        var scale = 1
        while true {
            for m in [1, 2, 5] {
                let v = m * scale
                if v > max { return out }
                out.append(Double(v))
            }
            scale *= 10
        }
    }
}
