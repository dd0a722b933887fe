/// Why a request ended (vLLM/OpenAI `finish_reason`).
public enum FinishReason: String, Sendable, Equatable, Hashable, CaseIterable {
    /// A stop string, a stop token id or an end-of-sequence token.
    case stop
    /// `maxTokens` reached, or the context (`maxModelLen`) is full.
    case length
    /// Aborted by the client (or its task was cancelled), or failed.
    case abort
}

/// One moment of the engine, for `/metrics` (vLLM V1 names in the comments) and the console.
public struct EngineStats: Sendable, Equatable {
    public var runningRequests = 0            // vllm:num_requests_running
    public var waitingRequests = 0            // vllm:num_requests_waiting
    public var kvCacheUsage = 0.0             // vllm:kv_cache_usage_perc (0...1)
    public var blockSize = 0                  // vllm:cache_config_info{block_size}
    public var blockCount = 0                 // vllm:cache_config_info{num_gpu_blocks}
    public var maxModelLen = 0

    public var promptTokens: UInt64 = 0       // vllm:prompt_tokens_total
    public var generationTokens: UInt64 = 0   // vllm:generation_tokens_total
    public var prefixCacheQueries: UInt64 = 0 // vllm:prefix_cache_queries_total (tokens)
    public var prefixCacheHits: UInt64 = 0    // vllm:prefix_cache_hits_total (tokens)
    public var preemptions: UInt64 = 0        // vllm:num_preemptions_total
    /// vllm:request_success_total{finished_reason}
    public var requestSuccess: [FinishReason: UInt64] = [:]

    public var timeToFirstToken = Histogram(bounds: MetricBuckets.timeToFirstToken)         // vllm:time_to_first_token_seconds
    public var interTokenLatency = Histogram(bounds: MetricBuckets.perTokenLatency)         // vllm:inter_token_latency_seconds
    public var timePerOutputToken = Histogram(bounds: MetricBuckets.perTokenLatency)        // vllm:request_time_per_output_token_seconds
    public var e2eLatency = Histogram(bounds: MetricBuckets.requestLatency)                 // vllm:e2e_request_latency_seconds
    public var queueTime = Histogram(bounds: MetricBuckets.requestLatency)                  // vllm:request_queue_time_seconds
    public var inferenceTime = Histogram(bounds: MetricBuckets.requestLatency)              // vllm:request_inference_time_seconds
    public var prefillTime = Histogram(bounds: MetricBuckets.requestLatency)                // vllm:request_prefill_time_seconds
    public var decodeTime = Histogram(bounds: MetricBuckets.requestLatency)                 // vllm:request_decode_time_seconds
    public var iterationTokens = Histogram(bounds: MetricBuckets.iterationTokens)           // vllm:iteration_tokens_total
    public var requestPromptTokens: Histogram                                               // vllm:request_prompt_tokens
    public var requestGenerationTokens: Histogram                                           // vllm:request_generation_tokens
    public var requestParamsMaxTokens: Histogram                                            // vllm:request_params_max_tokens
    public var requestPrefillKVComputedTokens: Histogram                                    // vllm:request_prefill_kv_computed_tokens

    public init(maxModelLen: Int) {
        self.maxModelLen = maxModelLen
        let tokens = MetricBuckets.oneTwoFive(upTo: maxModelLen)
        requestPromptTokens = Histogram(bounds: tokens)
        requestGenerationTokens = Histogram(bounds: tokens)
        requestParamsMaxTokens = Histogram(bounds: tokens)
        requestPrefillKVComputedTokens = Histogram(bounds: tokens)
    }
}
