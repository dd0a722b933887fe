import Console
import Foundation
import Kube
import Telemetry

/// The rows `kvdeck top` prints: the console's join of workloads and pods with telemetry, as a table
/// (kubectl's layout) or JSON.
struct TopRows {
    struct Row {
        var namespace: String
        var name: String
        var kind: String
        var model: String
        var ready: String
        var telemetry: PodTelemetry
        var error: ScrapeError?
        /// A pod that is not running (so not scraped).
        var notRunning = false
    }

    let subject: TopCommand.Subject
    let wide: Bool
    let allNamespaces: Bool
    let rows: [Row]
    /// One line per pod that could not be scraped (stderr).
    let problems: [String]

    init(state: ClusterState, subject: TopCommand.Subject, wide: Bool, allNamespaces: Bool) {
        self.subject = subject
        self.wide = wide
        self.allNamespaces = allNamespaces
        var rows: [Row] = []
        var problems: [String] = []
        for workload in state.workloads(servingOnly: true) {
            let model = workload.identity.map { $0.servedName ?? $0.model ?? $0.engine.rawValue } ?? "-"
            let pods = state.pods(of: workload)
            for pod in pods {
                if case let .failing(error) = state.telemetry(of: pod).freshness {
                    problems.append("\(ClusterState.key(of: pod)): cannot read metrics: \(error)")
                }
            }
            switch subject {
            case .workloads:
                rows.append(Row(namespace: workload.namespace, name: workload.name, kind: workload.kind.rawValue, model: model,
                                ready: "\(workload.readyReplicas)/\(workload.desiredReplicas)",
                                telemetry: state.telemetry(of: workload)))
            case .pods:
                for pod in pods {
                    let telemetry = state.telemetry(of: pod)
                    var error: ScrapeError?
                    if case let .failing(e) = telemetry.freshness { error = e }
                    rows.append(Row(namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "", kind: "Pod",
                                    model: model, ready: pod.readyText, telemetry: telemetry, error: error,
                                    notRunning: !ClusterState.isScraped(pod)))
                }
            }
        }
        self.rows = rows
        self.problems = problems
    }

    var isEmpty: Bool { rows.isEmpty }

    var columns: [TelemetryColumn] {
        switch (subject, wide) {
        case (.workloads, false): return [.kvCache, .running, .waiting, .tokensPerSecond, .ttftP50, .ttftP99, .itlP50, .e2eP99]
        case (.workloads, true):
            return [.gpuMemory, .gpuUtilization, .kvCache, .running, .waiting, .tokensPerSecond, .promptTokensPerSecond,
                    .requestsPerSecond, .tokensPerStep, .prefixHit, .preemptionsPerSecond, .ttftP50, .ttftP99, .itlP50,
                    .itlP99, .e2eP50, .e2eP99]
        case (.pods, false): return [.gpuMemory, .gpuUtilization, .kvCache, .running, .waiting, .tokensPerSecond, .ttftP99]
        case (.pods, true):
            return [.gpuMemory, .gpuUtilization, .kvCache, .running, .waiting, .tokensPerSecond, .promptTokensPerSecond,
                    .tokensPerStep, .prefixHit, .preemptionsPerSecond, .ttftP50, .ttftP99, .itlP50, .e2eP99]
        }
    }

    func table() -> [[String]] {
        let columns = self.columns
        let head = (allNamespaces ? ["NAMESPACE"] : []) + ["NAME"] + (wide ? ["MODEL", "READY"] : []) + columns.map(\.rawValue)
        return [head] + rows.map { row in
            (allNamespaces ? [row.namespace] : []) + [row.name] + (wide ? [row.model, row.ready] : [])
                + TelemetryCell.row(row.telemetry, columns: columns).map(\.text)
        }
    }

    struct JSONRow: Encodable {
        var namespace: String
        var name: String
        var kind: String
        var model: String
        var ready: String
        /// live, stale, loading, disabled, error, or not-running (a pod that is not scraped).
        var status: String
        var error: String?
        var numbers: DerivedNumbers?
        var gpus: [MetricsReport.GPU]
    }

    func json() throws -> String {
        let items = rows.map { row in
            var status: String = switch row.telemetry.freshness {
            case .live: "live"
            case .stale: "stale"
            case .loading: "loading"
            case .metricsDisabled: "disabled"
            case .failing: "error"
            }
            if row.notRunning { status = "not-running" }
            return JSONRow(namespace: row.namespace, name: row.name, kind: row.kind, model: row.model, ready: row.ready,
                           status: status, error: row.error?.description, numbers: row.telemetry.numbers,
                           gpus: row.telemetry.gpus.map {
                               MetricsReport.GPU(uuid: $0.uuid, gpu: $0.index, modelName: $0.modelName, namespace: $0.namespace,
                                                 pod: $0.pod, container: $0.container, memoryUsedMiB: $0.memoryUsedMiB,
                                                 memoryTotalMiB: $0.memoryTotalMiB, utilizationPercent: $0.utilizationPercent,
                                                 graphicsEngineActive: $0.graphicsEngineActive, temperatureC: $0.temperatureC,
                                                 powerW: $0.powerW)
                           })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(["items": items]), as: UTF8.self)
    }
}
