import Foundation

/// The Prometheus text a STAND-IN pod serves on `/metrics`: vLLM V1 names and labels
/// (`engine`, `model_name`, alphabetical as prometheus_client writes them), values that are
/// true of the stand-in (no engine, so nothing running, waiting or cached), histograms with
/// vLLM's bucket bounds and zero counts, and `kvdeck_stand_in 1` so nobody mistakes it.
/// `_created` samples, which a real V1 server also writes, are left out.
struct StandInMetrics: Sendable {
    /// Counters a load generator may move; everything else stays at its honest zero.
    var promptTokens: Double = 0
    var generationTokens: Double = 0
    var successes: [String: Double] = ["abort": 0, "length": 0, "stop": 0]

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    // vLLM's bucket bounds (engine-anchors §1.3).
    static let ttftBuckets: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
                                        7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    static let perTokenBuckets: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0,
                                            7.5, 10.0, 20.0, 40.0, 80.0]
    static let requestLatencyBuckets: [Double] = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
                                                  50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]
    static let iterationTokenBuckets: [Double] = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
    static let requestParamsNBuckets: [Double] = [1, 2, 5, 10, 20]

    /// vLLM's `build_1_2_5_buckets(max_model_len)`: 1, 2, 5 times powers of ten up to the limit.
    static func oneTwoFiveBuckets(upTo limit: Int) -> [Double] {
        var buckets: [Double] = []
        var exponent = 1.0
        while true {
            for m in [1.0, 2.0, 5.0] {
                let value = m * exponent
                if value > Double(limit) { return buckets }
                buckets.append(value)
            }
            exponent *= 10
        }
    }

    func text(for spec: PodEngineSpec) -> String {
        var out = ""
        let base = "engine=\"0\",model_name=\"\(Self.escape(spec.modelName))\""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func gauge(_ name: String, _ help: String, _ value: Double) {
            family(name, "gauge", help)
            out += "\(name){\(base)} \(value)\n"
        }
        func histogram(_ name: String, _ help: String, _ bounds: [Double]) {
            family(name, "histogram", help)
            for bound in bounds {
                out += "\(name)_bucket{engine=\"0\",le=\"\(bound)\",model_name=\"\(Self.escape(spec.modelName))\"} 0.0\n"
            }
            out += "\(name)_bucket{engine=\"0\",le=\"+Inf\",model_name=\"\(Self.escape(spec.modelName))\"} 0.0\n"
            out += "\(name)_count{\(base)} 0.0\n\(name)_sum{\(base)} 0.0\n"
        }

        family("kvdeck_stand_in", "gauge",
               "1: this pod runs the kvdeck local cluster's stand-in server, not an engine; no model is loaded and no request is served.")
        out += "kvdeck_stand_in 1.0\n"
        gauge("vllm:num_requests_running", "Number of requests in model execution batches.", 0)
        gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", 0)
        gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", 0)
        family("vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig")
        let cacheLabels = [
            ("block_size", "\(spec.blockSize)"), ("cache_dtype", spec.cacheDType),
            ("enable_prefix_caching", spec.enablePrefixCaching ? "True" : "False"), ("engine", "0"),
            ("gpu_memory_utilization", spec.gpuMemoryUtilization),
            // The stand-in allocates no KV cache at all.
            ("num_cpu_blocks", "0"), ("num_gpu_blocks", "0"),
        ].map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
        out += "vllm:cache_config_info{\(cacheLabels)} 1.0\n"

        family("vllm:num_preemptions_total", "counter", "Cumulative number of preemption from the engine.")
        out += "vllm:num_preemptions_total{\(base)} 0.0\n"
        family("vllm:prefix_cache_queries_total", "counter", "Prefix cache queries, in terms of number of queried tokens.")
        out += "vllm:prefix_cache_queries_total{\(base)} 0.0\n"
        family("vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in terms of number of cached tokens.")
        out += "vllm:prefix_cache_hits_total{\(base)} 0.0\n"
        family("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.")
        out += "vllm:prompt_tokens_total{\(base)} \(promptTokens)\n"
        family("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.")
        out += "vllm:generation_tokens_total{\(base)} \(generationTokens)\n"
        family("vllm:request_success_total", "counter", "Count of successfully processed requests.")
        for (reason, count) in successes.sorted(by: { $0.key < $1.key }) {
            out += "vllm:request_success_total{engine=\"0\",finished_reason=\"\(Self.escape(reason))\",model_name=\"\(Self.escape(spec.modelName))\"} \(count)\n"
        }

        let tokenBuckets = Self.oneTwoFiveBuckets(upTo: spec.maxModelLen ?? 4096)
        histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tokenBuckets)
        histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", tokenBuckets)
        histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", Self.iterationTokenBuckets)
        histogram("vllm:request_params_n", "Histogram of the n request parameter.", Self.requestParamsNBuckets)
        histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", Self.ttftBuckets)
        histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", Self.perTokenBuckets)
        histogram("vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", Self.perTokenBuckets)
        histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", Self.requestLatencyBuckets)
        histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", Self.requestLatencyBuckets)
        histogram("vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", Self.requestLatencyBuckets)
        histogram("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", Self.requestLatencyBuckets)
        histogram("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", Self.requestLatencyBuckets)
        return out
    }

    /// Label values as the text format escapes them: backslash, double quote, newline.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
