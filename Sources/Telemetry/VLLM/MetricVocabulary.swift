/// Which inference server wrote an exposition, told by its metric prefixes.
public enum EngineKind: String, Sendable, CaseIterable {
    case vllm, sglang, llamaCpp, tgi
}

/// Gauges the console shows. How engines (vLLM V1 `engine` label) combine depends on the meaning.
public enum GaugeColumn: String, Sendable, CaseIterable {
    /// Requests in the running batch: summed (each engine runs its own batch).
    case running
    /// Requests queued: summed.
    case waiting
    /// KV-cache usage 0…1: the **maximum** over engines, because the fullest engine is the one that
    /// preempts and queues; the mean is kept beside it (`ModelMetrics.kvCacheUsageMean`).
    case kvCacheUsage
    /// A server-computed prefix-cache hit rate (V0 `gpu_prefix_cache_hit_rate`, SGLang `cache_hit_rate`): mean.
    case prefixCacheHitRate
    /// Server-computed throughput gauges (V0 `avg_*_throughput_toks_per_s`, SGLang, llama.cpp): summed.
    case generationThroughput, promptThroughput

    var combinesBySum: Bool {
        switch self {
        case .running, .waiting, .generationThroughput, .promptThroughput: return true
        case .kvCacheUsage, .prefixCacheHitRate: return false
        }
    }
}

/// Monotonic counters, summed over engines and over extra labels (`finished_reason`).
public enum CounterColumn: String, Sendable, CaseIterable {
    case promptTokens, generationTokens, preemptions, requestsFinished, prefixCacheQueries, prefixCacheHits
    /// Finished requests that failed: vLLM's `request_success_total` with `finished_reason` abort or
    /// error (engine-anchors §1), read from the same series as `requestsFinished`.
    case requestsFailed

    /// The `finished_reason` values that count as failures.
    static let failedReasons: Set<String> = ["abort", "error"]

    /// Whether a sample of this column's series counts towards it.
    func counts(_ labels: [Label]) -> Bool {
        self != .requestsFailed || labels.first { $0.name == "finished_reason" }.map { Self.failedReasons.contains($0.value) } ?? false
    }
}

/// Histograms, added bucket by bucket over engines.
public enum HistogramColumn: String, Sendable, CaseIterable {
    case timeToFirstToken, interTokenLatency, endToEndLatency, queueTime
    /// Tokens per engine step (vLLM `iteration_tokens_total`): the batch size in tokens.
    case iterationTokens
}

/// The series names each server uses for each column, **current name first**: when a server emits
/// both names of a renamed pair (vLLM 0.9.2–0.11 do), only the first one present is read, so nothing
/// is counted twice. Facts: ../shared/reference/engine-anchors.md §1.
struct MetricVocabulary: Sendable {
    let gauges: [GaugeColumn: [String]]
    let counters: [CounterColumn: [String]]
    let histograms: [HistogramColumn: [String]]
    /// The label that names the model, if the server has one.
    let modelLabel: String?

    static func of(_ kind: EngineKind) -> MetricVocabulary {
        switch kind {
        case .vllm: return vllm
        case .sglang: return sglang
        case .llamaCpp: return llamaCpp
        case .tgi: return tgi
        }
    }

    static let vllm = MetricVocabulary(
        gauges: [
            .running: ["vllm:num_requests_running"],
            .waiting: ["vllm:num_requests_waiting"],
            .kvCacheUsage: ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"],
            .prefixCacheHitRate: ["vllm:gpu_prefix_cache_hit_rate"],
            .generationThroughput: ["vllm:avg_generation_throughput_toks_per_s"],
            .promptThroughput: ["vllm:avg_prompt_throughput_toks_per_s"],
        ],
        counters: [
            .promptTokens: ["vllm:prompt_tokens_total"],
            .generationTokens: ["vllm:generation_tokens_total"],
            .preemptions: ["vllm:num_preemptions_total"],
            .requestsFinished: ["vllm:request_success_total"],
            .requestsFailed: ["vllm:request_success_total"],
            .prefixCacheQueries: ["vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"],
            .prefixCacheHits: ["vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"],
        ],
        histograms: [
            .timeToFirstToken: ["vllm:time_to_first_token_seconds"],
            .interTokenLatency: ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"],
            .endToEndLatency: ["vllm:e2e_request_latency_seconds"],
            .queueTime: ["vllm:request_queue_time_seconds"],
            .iterationTokens: ["vllm:iteration_tokens_total"],
        ],
        modelLabel: "model_name")

    static let sglang = MetricVocabulary(
        gauges: [
            .running: ["sglang:num_running_reqs"],
            .waiting: ["sglang:num_queue_reqs"],
            .kvCacheUsage: ["sglang:token_usage"],
            .prefixCacheHitRate: ["sglang:cache_hit_rate"],
            .generationThroughput: ["sglang:gen_throughput"],
        ],
        counters: [
            .promptTokens: ["sglang:prompt_tokens_total"],
            .generationTokens: ["sglang:generation_tokens_total"],
            .requestsFinished: ["sglang:num_requests_total"],
            // Newer SGLang counts cached prompt tokens; the prompt tokens are then the queries.
            .prefixCacheQueries: ["sglang:prompt_tokens_total"],
            .prefixCacheHits: ["sglang:cached_tokens_total"],
        ],
        histograms: [
            .timeToFirstToken: ["sglang:time_to_first_token_seconds"],
            .interTokenLatency: ["sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"],
            .endToEndLatency: ["sglang:e2e_request_latency_seconds"],
            .queueTime: ["sglang:queue_time_seconds"],
        ],
        modelLabel: "model_name")

    static let llamaCpp = MetricVocabulary(
        gauges: [
            .running: ["llamacpp:requests_processing"],
            .waiting: ["llamacpp:requests_deferred"],
            .kvCacheUsage: ["llamacpp:kv_cache_usage_ratio"],
            .generationThroughput: ["llamacpp:predicted_tokens_seconds"],
            .promptThroughput: ["llamacpp:prompt_tokens_seconds"],
        ],
        counters: [
            .promptTokens: ["llamacpp:prompt_tokens_total"],
            .generationTokens: ["llamacpp:tokens_predicted_total"],
        ],
        histograms: [:],
        modelLabel: nil)

    /// TGI (metrics-rs exporter): token counts only as per-request histograms, whose `_sum` grows like a counter.
    static let tgi = MetricVocabulary(
        gauges: [
            .running: ["tgi_batch_current_size"],
            .waiting: ["tgi_queue_size"],
        ],
        counters: [
            .promptTokens: ["tgi_request_input_length_sum"],
            .generationTokens: ["tgi_request_generated_tokens_sum"],
            .requestsFinished: ["tgi_request_success", "tgi_request_success_total"],
        ],
        histograms: [
            .interTokenLatency: ["tgi_request_mean_time_per_token_duration"],
            .endToEndLatency: ["tgi_request_duration"],
            .queueTime: ["tgi_request_queue_duration"],
        ],
        modelLabel: nil)
}
