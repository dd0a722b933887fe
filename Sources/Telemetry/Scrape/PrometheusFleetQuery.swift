import Foundation

/// The console's numbers for every pod at once from a Prometheus server: one instant query per column
/// (aggregated `by (namespace, pod)`), so the cost does not grow with the fleet. Prometheus computes
/// the rates; histograms come back as per-bucket rates, whose quantiles equal those of the bucket
/// deltas (a quantile does not change when every bucket is scaled by the window length).
///
/// The pod and namespace labels are those the Kubernetes service discovery adds (`pod`, `namespace`);
/// a DCGM exporter's own pod labels arrive as `exported_pod`/`exported_namespace` when Prometheus
/// keeps its target labels (honor_labels false), so both spellings are read.
public struct PrometheusFleetQuery: Sendable {
    public var client: PrometheusClient
    /// The PromQL range of `rate()`, e.g. "1m".
    public var window: String
    public var windowSeconds: Double

    public init(client: PrometheusClient, windowSeconds: Double = 60) {
        self.client = client
        self.windowSeconds = windowSeconds
        window = "\(Int(max(1, windowSeconds.rounded())))s"
    }

    /// Both names of each renamed pair, newest first: the first that has data for a pod is used, so a
    /// pod whose server emits both is not counted twice (engine-anchors §1.5).
    static let gauges: [(GaugeColumn, [String], String)] = [
        (.running, ["vllm:num_requests_running", "sglang:num_running_reqs", "llamacpp:requests_processing", "tgi_batch_current_size"], "sum"),
        (.waiting, ["vllm:num_requests_waiting", "sglang:num_queue_reqs", "llamacpp:requests_deferred", "tgi_queue_size"], "sum"),
        (.kvCacheUsage, ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "sglang:token_usage", "llamacpp:kv_cache_usage_ratio"], "max"),
    ]
    static let counters: [(CounterColumn, [String])] = [
        (.generationTokens, ["vllm:generation_tokens_total", "sglang:generation_tokens_total", "llamacpp:tokens_predicted_total"]),
        (.promptTokens, ["vllm:prompt_tokens_total", "sglang:prompt_tokens_total", "llamacpp:prompt_tokens_total"]),
        (.requestsFinished, ["vllm:request_success_total", "sglang:num_requests_total"]),
        (.requestsFailed, ["vllm:request_success_total{finished_reason=~\"abort|error\"}"]),
        (.preemptions, ["vllm:num_preemptions_total"]),
        (.prefixCacheQueries, ["vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"]),
        (.prefixCacheHits, ["vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"]),
    ]
    static let histograms: [(HistogramColumn, [String])] = [
        (.timeToFirstToken, ["vllm:time_to_first_token_seconds", "sglang:time_to_first_token_seconds"]),
        (.interTokenLatency, ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds",
                              "sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"]),
        (.endToEndLatency, ["vllm:e2e_request_latency_seconds", "sglang:e2e_request_latency_seconds"]),
        (.queueTime, ["vllm:request_queue_time_seconds"]),
    ]

    /// Per `namespace/pod`: a window whose `latest` holds the gauges and whose rates and histograms
    /// Prometheus computed over `window`.
    public func read() async throws -> [String: ModelWindow] {
        var windows: [String: ModelWindow] = [:]
        func update(_ pod: String, _ change: (inout ModelWindow) -> Void) {
            var window = windows[pod] ?? ModelWindow(model: "", latest: ModelMetrics(model: ""))
            change(&window)
            windows[pod] = window
        }
        for (column, names, aggregation) in Self.gauges {
            for (pod, value) in try await firstPresent(names.map { "\(aggregation) by (namespace, pod) (\($0))" }) {
                update(pod) { $0.latest.gauges[column] = value }
            }
        }
        for (column, names) in Self.counters {
            for (pod, rate) in try await firstPresent(names.map { "sum by (namespace, pod) (rate(\($0)[\(window)]))" }) {
                update(pod) {
                    $0.rates[column] = rate
                    $0.increases[column] = rate * windowSeconds
                }
            }
        }
        for (column, names) in Self.histograms {
            var done: Set<String> = []
            for name in names {
                let samples = try await client.query("sum by (namespace, pod, le) (rate(\(name)_bucket[\(window)]))")
                var buckets: [String: [Histogram.Bucket]] = [:]
                for sample in samples {
                    guard let pod = Self.podKey(sample.labels), !done.contains(pod),
                          let le = sample.labels["le"], let bound = Double(le == "+Inf" ? "inf" : le) else { continue }
                    buckets[pod, default: []].append(Histogram.Bucket(upperBound: bound, cumulativeCount: sample.value))
                }
                for (pod, list) in buckets {
                    done.insert(pod)
                    update(pod) { $0.histograms[column] = Histogram(buckets: list) }
                }
            }
        }
        return windows
    }

    /// GPUs from DCGM series in Prometheus, joined to pods by the exporter's labels.
    public func readGPUs() async throws -> [GPUDevice] {
        var devices: [String: GPUDevice] = [:]
        var order: [String] = []
        for (family, field) in GPUDevice.fields {
            for sample in try await client.query(family) {
                let labels = sample.labels
                let uuid = labels["UUID"] ?? labels["uuid"]
                let index = labels["gpu"]
                guard uuid != nil || index != nil else { continue }
                var device = GPUDevice(uuid: uuid, index: index)
                device.hostname = labels["Hostname"]
                let key = device.key
                if let existing = devices[key] { device = existing } else { order.append(key) }
                device.modelName = device.modelName ?? labels["modelName"]
                // exported_* first: the exporter's own attribution, renamed when Prometheus kept its target labels.
                device.pod = device.pod ?? labels["exported_pod"] ?? labels["pod_name"] ?? labels["pod"]
                device.namespace = device.namespace ?? labels["exported_namespace"] ?? labels["pod_namespace"] ?? labels["namespace"]
                device.container = device.container ?? labels["exported_container"] ?? labels["container_name"] ?? labels["container"]
                device[keyPath: field] = sample.value
                devices[key] = device
            }
        }
        return order.compactMap { devices[$0] }
    }

    /// The first query (of alternatives, newest name first) that has a value per pod wins for that pod.
    private func firstPresent(_ queries: [String]) async throws -> [String: Double] {
        var values: [String: Double] = [:]
        for query in queries {
            for sample in try await client.query(query) {
                guard let pod = Self.podKey(sample.labels), values[pod] == nil, !sample.value.isNaN else { continue }
                values[pod] = sample.value
            }
        }
        return values
    }

    static func podKey(_ labels: [String: String]) -> String? {
        guard let pod = labels["pod"], let namespace = labels["namespace"] else { return nil }
        return "\(namespace)/\(pod)"
    }
}
