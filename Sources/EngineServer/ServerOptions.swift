import Engine

/// How one engine server runs: `vllm serve`'s settings where they apply (reference §2.5), plus
/// the few of its own (waiting-queue bound, drain time, prompt logging).
public struct ServerOptions: Sendable {
    /// `--host`, `--port` (0: an ephemeral port; `EngineHTTPServer.start()` returns it).
    public var host = "127.0.0.1"
    public var port = 8000
    /// `--served-model-name`: the names clients may send as `model`; the first is the metrics
    /// `model_name`. Empty: the model's path, as vLLM does.
    public var servedModelNames: [String] = []
    /// `--max-model-len`, `--max-num-seqs`, `--max-num-batched-tokens`, `--enable-prefix-caching`.
    public var engine = EngineConfig()
    /// `--block-size`
    public var blockSize = KVCacheBudget.defaultBlockSize
    /// `--kv-cache-memory`: bytes of KV cache (vLLM's CPU backend defaults to 4 GiB).
    public var kvCacheBytes = 4 << 30
    /// `--kv-cache-dtype`: auto (half on the CPU, the compute dtype on CUDA), float16 or float32.
    public var kvCacheDType = KVCacheDType.auto
    /// `--gpu-memory-utilization`: the share of the GPU's memory the CUDA backend may fill
    /// (weights, scratch, then as many KV blocks as fit), as vLLM sizes its cache; the CPU backend
    /// uses `kvCacheBytes`. nil: the CUDA backend takes `kvCacheBytes` too.
    public var gpuMemoryUtilization: Double? = 0.9
    /// `--api-key` / `VLLM_API_KEY`: bearer key required on `/v1/*`. Never logged.
    public var apiKey: String?
    /// `--disable-log-stats`: `/metrics` then carries no `vllm:*` family at all, as in vLLM.
    public var disableLogStats = false
    /// Requests allowed to wait beyond the `--max-num-seqs` that run; more are answered 429.
    public var maxWaitingRequests = 256
    /// How long a drain (SIGTERM, `stop()`) lets in-flight requests finish before aborting them.
    /// Below Kubernetes' default 30 s termination grace, so the process exits before SIGKILL.
    public var drainTimeout: Duration = .seconds(25)
    /// `--log-prompts`: request log lines carry the prompt text (off: never).
    public var logPrompts = false
    /// Larger request bodies are answered 413.
    public var maxBodyBytes = 16 << 20
    /// `/version`'s answer.
    public var version = "0.1.0"

    public init() {}

    /// The names `model` may take, given the model's path.
    func servedNames(path: String) -> [String] {
        servedModelNames.isEmpty ? [path] : servedModelNames
    }
}
