import Console
import Foundation
import Telemetry

extension MetricsReport {
    /// The report as a person reads it: a few labelled lines, then tables in kubectl's layout.
    func text() -> String {
        var out = ""
        func line(_ label: String, _ value: String) { out += (label + ":").padding(toLength: 12, withPad: " ", startingAt: 0) + value + "\n" }
        line("Source", source)
        let bad = badLines.isEmpty ? "no bad lines" : "\(badLines.count) bad line\(badLines.count == 1 ? "" : "s")"
        line("Format", "\(format), \(lines) lines, \(families) families, \(samples) samples, \(bad)")
        for issue in badLines.prefix(10) { out += "            line \(issue.line): \(issue.reason)\n" }
        if badLines.count > 10 { out += "            … and \(badLines.count - 10) more\n" }
        if let server {
            var text = server.kind
            switch server.generation {
            case "v0"?: text += " (V0 engine)"
            case "v1"?: text += " (V1 engine)"
            case "mixed"?: text += " (V0 and V1 families together: a curated or proxied dump)"
            default: break
            }
            line("Server", text)
            if let version = server.version {
                line("Version", version)
                for clue in server.versionEvidence ?? [] { out += "            - \(clue)\n" }
            }
        } else if gpus.isEmpty {
            line("Server", "none recognised: no vllm:, sglang:, llamacpp: or tgi_ families")
            line("Metrics", "disabled (vLLM started with --disable-log-stats) or not an inference server; shown as \"disabled\", not as zeros")
        } else {
            line("Server", "none (a DCGM exporter: GPU metrics only)")
        }
        if !recognised.isEmpty {
            line("Recognised", "\(recognised.count) column\(recognised.count == 1 ? "" : "s")")
            for item in recognised { out += "            \(item.column.padding(toLength: 22, withPad: " ", startingAt: 0)) ← \(item.series)\n" }
        }
        if let cache {
            var parts: [String] = []
            if let blockSize = cache.blockSize { parts.append("block size \(blockSize)") }
            if let blocks = cache.numGPUBlocks { parts.append("\(blocks) GPU blocks" + (cache.kvCacheTokens.map { " (\($0) tokens)" } ?? "")) }
            if let utilization = cache.gpuMemoryUtilization { parts.append("gpu_memory_utilization \(utilization)") }
            if let dtype = cache.cacheDType { parts.append("dtype \(dtype)") }
            line("KV cache", parts.joined(separator: ", "))
        }
        if let total {
            out += "\n"
            var rows = [["MODEL", "ENGINES", "KV%", "RUN", "WAIT"]]
            for m in models + (models.count > 1 ? [total] : []) {
                rows.append([m.model.isEmpty ? (m.engines == nil && models.count <= 1 ? "(server)" : "(all)") : m.model,
                             m.engines?.joined(separator: ",") ?? "-", MetricText.percent(m.kvCacheUsage),
                             MetricText.count(m.running), MetricText.count(m.waiting)])
            }
            if models.isEmpty {
                rows.append(["(server)", "-", MetricText.percent(total.kvCacheUsage), MetricText.count(total.running), MetricText.count(total.waiting)])
            }
            out += KubectlTabWriter.format(rows)
        }
        if let window {
            out += "\nWindow: \(MetricText.count((window.seconds * 10).rounded() / 10)) s between the two samples\n"
            let columns: [TelemetryColumn] = [.tokensPerSecond, .promptTokensPerSecond, .requestsPerSecond, .ttftP50, .ttftP99,
                                              .itlP50, .itlP99, .e2eP50, .e2eP99, .tokensPerStep, .prefixHit, .preemptionsPerSecond]
            var rows = [["MODEL"] + columns.map(\.rawValue)]
            let named = window.models.sorted { $0.key < $1.key }
            for (name, numbers) in named where !name.isEmpty {
                rows.append([name] + columns.map { $0.text(numbers, gpus: []) })
            }
            if named.filter({ !$0.key.isEmpty }).count != 1 {
                rows.append([named.isEmpty || named.allSatisfy({ $0.key.isEmpty }) ? "(server)" : "(all)"]
                            + columns.map { $0.text(window.total, gpus: []) })
            }
            out += KubectlTabWriter.format(rows)
        }
        if !gpus.isEmpty {
            out += "\n"
            var rows = [["GPU", "MODEL", "NAMESPACE", "POD", "GPU-MEM", "GPU-UTIL", "TEMP", "POWER"]]
            for gpu in gpus {
                rows.append([gpu.gpu ?? gpu.uuid ?? "-", gpu.modelName ?? "-", gpu.namespace ?? "-", gpu.pod ?? "-",
                             MetricText.gpuMemory(usedMiB: gpu.memoryUsedMiB, totalMiB: gpu.memoryTotalMiB),
                             MetricText.percent(gpu.utilizationPercent.map { $0 / 100 }),
                             gpu.temperatureC.map { "\(Int($0))C" } ?? "-", gpu.powerW.map { "\(Int($0.rounded()))W" } ?? "-"])
            }
            out += KubectlTabWriter.format(rows)
        }
        return out
    }
}
