import Foundation

/// How metric values are written in cells, the same on the console and in `kvdeck top`: short,
/// unit-bearing where the header does not say it, and "-" for unknown (never 0 for "don't know").
public enum MetricText {
    public static let unknown = "-"

    /// A 0…1 ratio as a whole percent ("42%").
    public static func percent(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return unknown }
        return "\(Int((ratio * 100).rounded()))%"
    }

    /// Requests: whole numbers as such, fractions (an average) with one decimal.
    public static func count(_ value: Double?) -> String {
        guard let value, value.isFinite else { return unknown }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// Per-second rates: one decimal below 10, whole below 10,000, then "12.3k".
    public static func rate(_ value: Double?) -> String {
        guard let value, value.isFinite else { return unknown }
        switch abs(value) {
        case ..<10: return String(format: "%.1f", value)
        case ..<10_000: return String(Int(value.rounded()))
        default: return String(format: "%.1fk", value / 1000)
        }
    }

    /// Latencies: milliseconds below a second ("85ms"), seconds above ("1.24s", "12.5s", "640s").
    public static func seconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return unknown }
        switch value {
        case ..<0.001: return value <= 0 ? "0ms" : String(format: "%.2fms", value * 1000)
        case ..<1: return "\(Int((value * 1000).rounded()))ms"
        case ..<10: return String(format: "%.2fs", value)
        case ..<100: return String(format: "%.1fs", value)
        default: return "\(Int(value.rounded()))s"
        }
    }

    /// GPU framebuffer in use over its size, in GiB ("71/80Gi"); used alone when the size is unknown.
    public static func gpuMemory(usedMiB: Double?, totalMiB: Double?) -> String {
        guard let usedMiB, usedMiB.isFinite else { return unknown }
        let used = gibibytes(usedMiB)
        guard let totalMiB, totalMiB.isFinite, totalMiB > 0 else { return used + "Gi" }
        return "\(used)/\(gibibytes(totalMiB))Gi"
    }

    private static func gibibytes(_ mebibytes: Double) -> String {
        let value = mebibytes / 1024
        return value < 10 ? String(format: "%.1f", value) : String(Int(value.rounded()))
    }
}
