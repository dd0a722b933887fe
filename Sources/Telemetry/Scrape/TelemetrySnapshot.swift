import Foundation

/// One pod's telemetry as a column reads it: freshness first, then numbers, then its GPUs.
public struct PodTelemetry: Sendable {
    public var freshness: TelemetryFreshness
    public var numbers: DerivedNumbers?
    /// The window the numbers came from (for adding pods into a workload).
    public var window: ModelWindow?
    public var gpus: [GPUDevice]
    public var snapshot: ServerSnapshot?

    public init(freshness: TelemetryFreshness, numbers: DerivedNumbers?, window: ModelWindow?, gpus: [GPUDevice],
                snapshot: ServerSnapshot?) {
        self.freshness = freshness
        self.numbers = numbers
        self.window = window
        self.gpus = gpus
        self.snapshot = snapshot
    }

    public static let unknown = PodTelemetry(freshness: .loading, numbers: nil, window: nil, gpus: [], snapshot: nil)
    /// Nothing to show and nothing coming (no pods, not a server): every column "-".
    public static let none = PodTelemetry(freshness: .live, numbers: nil, window: nil, gpus: [], snapshot: nil)
}

/// The scheduler's state at one moment, as plain values: what the console renders from and what
/// `kvdeck top` prints.
public struct TelemetrySnapshot: Sendable {
    public var time: Date
    /// Completed scrape cycles (0: nothing scraped yet).
    public var cycle: Int
    /// By `ScrapeTarget.key` (`namespace/pod` for pods).
    public var targets: [String: TargetTelemetry]
    public var staleAfter: TimeInterval
    public var interval: TimeInterval
    /// GPUs by the `namespace/pod` the exporter attributed them to.
    public private(set) var gpusByPod: [String: [GPUDevice]] = [:]
    /// Prometheus-derived windows by `namespace/pod`, with the time they were read.
    private var fleetByPod: [String: (window: ModelWindow, time: Date)] = [:]

    public init(time: Date = Date(), cycle: Int = 0, targets: [String: TargetTelemetry] = [:],
                staleAfter: TimeInterval = 15, interval: TimeInterval = 5) {
        self.time = time
        self.cycle = cycle
        self.targets = targets
        self.staleAfter = staleAfter
        self.interval = interval
        for target in targets.values {
            for gpu in target.gpus {
                if let pod = gpu.podKey { gpusByPod[pod, default: []].append(gpu) }
            }
            if let success = target.health.lastSuccess {
                for (pod, window) in target.fleet { fleetByPod[pod] = (window, success) }
            }
        }
    }

    public var isEmpty: Bool { targets.isEmpty }

    /// The telemetry of pod `namespace/name`: its own scrape target first, else what a Prometheus
    /// server reported for it, else unknown (loading). GPUs come from the exporters either way.
    public func pod(_ key: String) -> PodTelemetry {
        let gpus = gpusByPod[key] ?? []
        if let target = targets[key], target.target.role == .server {
            return PodTelemetry(freshness: target.freshness(at: time, staleAfter: staleAfter), numbers: target.numbers,
                                window: target.window ?? target.latest.map { ModelWindow(model: "", latest: $0.total) },
                                gpus: gpus, snapshot: target.latest)
        }
        if let (window, read) = fleetByPod[key] {
            let age = time.timeIntervalSince(read)
            return PodTelemetry(freshness: age > staleAfter ? .stale(age: age) : .live,
                                numbers: DerivedNumbers(window: window), window: window, gpus: gpus, snapshot: nil)
        }
        var unknown = PodTelemetry.unknown
        unknown.gpus = gpus
        return unknown
    }

    /// Several pods as one row (a workload): numbers from the pods' windows added together; the
    /// freshness is the best any pod has (live if one is live), disabled only when every pod says so.
    public func combined(_ podKeys: [String]) -> PodTelemetry {
        let pods = podKeys.map(pod)
        guard !pods.isEmpty else { return .none }
        let withNumbers = pods.filter { $0.numbers != nil && $0.window != nil }
        let window = ModelWindow.combining(withNumbers.compactMap(\.window))
        return PodTelemetry(freshness: Self.best(pods.map(\.freshness)), numbers: window.map(DerivedNumbers.init(window:)),
                            window: window, gpus: pods.flatMap(\.gpus), snapshot: nil)
    }

    static func best(_ all: [TelemetryFreshness]) -> TelemetryFreshness {
        if all.contains(.live) { return .live }
        let stale = all.compactMap { freshness -> TimeInterval? in
            if case let .stale(age) = freshness { return age } else { return nil }
        }
        if let youngest = stale.min() { return .stale(age: youngest) }
        if all.contains(.loading) { return .loading }
        if !all.isEmpty, all.allSatisfy({ $0 == .metricsDisabled }) { return .metricsDisabled }
        if let failing = all.first(where: { freshness -> Bool in
            if case .failing = freshness { return true } else { return false }
        }) { return failing }
        return .metricsDisabled
    }
}
