import Foundation
import Telemetry

/// A metric column of the workloads and pods tables, and of `kvdeck top`.
public enum TelemetryColumn: String, Sendable, CaseIterable {
    case gpuMemory = "GPU-MEM", gpuUtilization = "GPU-UTIL"
    case kvCache = "KV%", running = "RUN", waiting = "WAIT", tokensPerSecond = "TOK/S"
    case ttftP50 = "TTFT-P50", ttftP99 = "TTFT-P99", itlP50 = "ITL-P50", itlP99 = "ITL-P99"
    case e2eP50 = "E2E-P50", e2eP99 = "E2E-P99"
    case promptTokensPerSecond = "PROMPT/S", requestsPerSecond = "REQ/S", tokensPerStep = "TOK/STEP"
    case prefixHit = "PREFIX-HIT", preemptionsPerSecond = "PREEMPT/S"
    case errorRate = "ERR%"

    /// What the cell says, from numbers and GPUs alone (freshness is `TelemetryCell`'s business).
    public func text(_ numbers: DerivedNumbers?, gpus: [GPUDevice]) -> String {
        switch self {
        case .gpuMemory:
            let used = gpus.compactMap(\.memoryUsedMiB)
            guard !used.isEmpty else { return MetricText.unknown }
            let totals = gpus.compactMap(\.memoryTotalMiB)
            return MetricText.gpuMemory(usedMiB: used.reduce(0, +),
                                        totalMiB: totals.count == gpus.count ? totals.reduce(0, +) : nil)
        case .gpuUtilization:
            let utilization = gpus.compactMap(\.utilizationPercent)
            guard !utilization.isEmpty else { return MetricText.unknown }
            return MetricText.percent(utilization.reduce(0, +) / Double(utilization.count) / 100)
        case .kvCache: return MetricText.percent(numbers?.kvCacheUsage)
        case .running: return MetricText.count(numbers?.running)
        case .waiting: return MetricText.count(numbers?.waiting)
        case .tokensPerSecond: return MetricText.rate(numbers?.generationTokensPerSecond)
        case .promptTokensPerSecond: return MetricText.rate(numbers?.promptTokensPerSecond)
        case .requestsPerSecond: return MetricText.rate(numbers?.requestsPerSecond)
        case .tokensPerStep: return MetricText.rate(numbers?.tokensPerStep)
        case .prefixHit: return MetricText.percent(numbers?.prefixCacheHitRate)
        case .preemptionsPerSecond: return MetricText.rate(numbers?.preemptionsPerSecond)
        case .errorRate: return MetricText.percent(numbers?.errorRate)
        case .ttftP50: return MetricText.seconds(numbers?.ttftP50)
        case .ttftP99: return MetricText.seconds(numbers?.ttftP99)
        case .itlP50: return MetricText.seconds(numbers?.itlP50)
        case .itlP99: return MetricText.seconds(numbers?.itlP99)
        case .e2eP50: return MetricText.seconds(numbers?.e2eP50)
        case .e2eP99: return MetricText.seconds(numbers?.e2eP99)
        }
    }

    /// GPU columns come from the DCGM exporter and stay meaningful when the server's metrics do not.
    var isGPU: Bool { self == .gpuMemory || self == .gpuUtilization }
}

/// One metric cell: its text and how current it is, so the screen can style it and `top` can print it.
public struct TelemetryCell: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case live, stale, loading, disabled, failing, unknown
    }
    public var text: String
    public var state: State

    /// Cells for `columns` of one row. Loading shows "…", a server with metrics disabled shows
    /// "disabled" in its first server column (the rest "-"), a target that never answered shows
    /// "err" there, and stale values keep their text marked with a leading "~".
    public static func row(_ telemetry: PodTelemetry, columns: [TelemetryColumn]) -> [TelemetryCell] {
        var firstServerColumn = true
        return columns.map { column in
            let text = column.text(telemetry.numbers, gpus: telemetry.gpus)
            if column.isGPU { return TelemetryCell(text: text, state: text == MetricText.unknown ? .unknown : .live) }
            defer { firstServerColumn = false }
            switch telemetry.freshness {
            case .loading:
                return TelemetryCell(text: "…", state: .loading)
            case .metricsDisabled:
                return TelemetryCell(text: firstServerColumn ? "disabled" : MetricText.unknown, state: .disabled)
            case .failing:
                return TelemetryCell(text: firstServerColumn ? "err" : MetricText.unknown, state: .failing)
            case .stale:
                return TelemetryCell(text: text == MetricText.unknown ? text : "~" + text, state: .stale)
            case .live:
                return TelemetryCell(text: text, state: text == MetricText.unknown ? .unknown : .live)
            }
        }
    }
}
