import Foundation
import Engine

/// The engine's statistics as vLLM V1's `/metrics` writes them (reference §1): the same family
/// names (counters with `_total`), HELP and TYPE lines, labels `engine` and `model_name` in
/// alphabetical order with `le`/`finished_reason` among them, floats as Python prints them, and
/// the histograms' own bucket bounds. A console therefore reads this server as it reads a vLLM pod.
struct VLLMMetricsText {
    /// `vllm:cache_config_info`'s labels besides `engine`: the CacheConfig fields we have.
    struct CacheInfo {
        var blockSize: Int
        var numGPUBlocks: Int
        var kvCacheMemoryBytes: Int
        var enablePrefixCaching: Bool
        /// `--kv-cache-dtype` as given (vLLM labels the flag's value, `auto` by default).
        var cacheDType = KVCacheDType.auto
    }

    let modelName: String
    /// The data-parallel engine index; one engine here.
    var engine = "0"

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func render(_ s: EngineStats, cache: CacheInfo) -> String {
        var out = ""
        gauge(&out, "vllm:num_requests_running", "Number of requests in model execution batches.", Double(s.runningRequests))
        gauge(&out, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", Double(s.waitingRequests))
        gauge(&out, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", s.kvCacheUsage)
        counter(&out, "vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.", s.prefixCacheQueries)
        counter(&out, "vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", s.prefixCacheHits)
        counter(&out, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", s.preemptions)
        counter(&out, "vllm:prompt_tokens", "Number of prefill tokens processed.", s.promptTokens)
        counter(&out, "vllm:generation_tokens", "Number of generation tokens processed.", s.generationTokens)

        header(&out, "vllm:request_success_total", "Count of successfully processed requests.", "counter")
        for reason in FinishReason.allCases {
            sample(&out, "vllm:request_success_total", ["finished_reason": reason.rawValue], Double(s.requestSuccess[reason] ?? 0))
        }

        histogram(&out, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", s.requestPromptTokens)
        histogram(&out, "vllm:request_generation_tokens", "Number of generation tokens processed.", s.requestGenerationTokens)
        histogram(&out, "vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", s.iterationTokens)
        histogram(&out, "vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", s.requestParamsMaxTokens)
        histogram(&out, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", s.timeToFirstToken)
        histogram(&out, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", s.interTokenLatency)
        histogram(&out, "vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", s.timePerOutputToken)
        histogram(&out, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", s.e2eLatency)
        histogram(&out, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", s.queueTime)
        histogram(&out, "vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", s.inferenceTime)
        histogram(&out, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", s.prefillTime)
        histogram(&out, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", s.decodeTime)
        histogram(&out, "vllm:request_prefill_kv_computed_tokens",
                  "Histogram of new KV tokens computed during prefill (excluding cached tokens).", s.requestPrefillKVComputedTokens)

        // An info gauge: every field a label, the value 1, and no model_name (vllm/config/cache.py).
        header(&out, "vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge")
        let info: [(String, String)] = [
            ("block_size", String(cache.blockSize)),
            ("cache_dtype", cache.cacheDType.rawValue),
            ("enable_prefix_caching", cache.enablePrefixCaching ? "True" : "False"),
            ("engine", engine),
            ("kv_cache_memory_bytes", String(cache.kvCacheMemoryBytes)),
            ("num_cpu_blocks", "None"),
            ("num_gpu_blocks", String(cache.numGPUBlocks)),
        ]
        out += "vllm:cache_config_info{" + info.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "} 1.0\n"
        return out
    }

    // MARK: Writing

    private func header(_ out: inout String, _ name: String, _ help: String, _ type: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private func gauge(_ out: inout String, _ name: String, _ help: String, _ value: Double) {
        header(&out, name, help, "gauge")
        sample(&out, name, [:], value)
    }

    /// vLLM declares counters without `_total`; prometheus_client writes it on every line.
    private func counter(_ out: inout String, _ name: String, _ help: String, _ value: UInt64) {
        header(&out, name + "_total", help, "counter")
        sample(&out, name + "_total", [:], Double(value))
    }

    private func histogram(_ out: inout String, _ name: String, _ help: String, _ h: Histogram) {
        header(&out, name, help, "histogram")
        let cumulative = h.cumulativeCounts
        for (i, bound) in h.bounds.enumerated() {
            sample(&out, name + "_bucket", ["le": Self.format(bound)], Double(cumulative[i]))
        }
        sample(&out, name + "_bucket", ["le": "+Inf"], Double(h.count))
        sample(&out, name + "_count", [:], Double(h.count))
        sample(&out, name + "_sum", [:], h.sum)
    }

    /// One sample line; the labels are sorted by name, as prometheus_client writes them.
    private func sample(_ out: inout String, _ name: String, _ extra: [String: String], _ value: Double) {
        var labels = extra
        labels["engine"] = engine
        labels["model_name"] = modelName
        let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",")
        out += "\(name){\(text)} \(Self.format(value))\n"
    }

    /// Python's float repr as prometheus_client's `floatToGoString` writes it: `3.0`, `0.001`, `+Inf`.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        return "\(d)"
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
