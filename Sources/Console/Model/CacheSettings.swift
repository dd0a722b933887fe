import Kube
import Telemetry

/// The KV-cache settings of a vLLM container as its arguments set them, with vLLM's defaults
/// where they are absent. The number of GPU blocks is decided by vLLM at start from the memory
/// it finds; only its `vllm:cache_config_info` metric says it (telemetry's `CacheConfig`), so it
/// is unknown until telemetry has read the pod.
public struct CacheSettings: Sendable, Equatable {
    public var blockSize: String
    public var gpuMemoryUtilization: String
    public var maxModelLen: String
    public var maxNumSeqs: String
    public var kvCacheDType: String
    public var prefixCaching: String
    public var tensorParallel: String
    /// `--num-gpu-blocks-override` when set; else the engine's own count, unknown here.
    public var gpuBlocks: String?

    /// Reads `--flag value` and `--flag=value` from a container's command and args; `reported`
    /// is what the running engine says about its cache, when telemetry has it.
    public init(container: Container, reported: CacheConfig? = nil) {
        let words = (container.command ?? []) + (container.args ?? [])
        func value(_ flag: String) -> String? {
            for (i, w) in words.enumerated() {
                if w == flag, i + 1 < words.count { return words[i + 1] }
                if w.hasPrefix(flag + "=") { return String(w.dropFirst(flag.count + 1)) }
            }
            return nil
        }
        func has(_ flag: String) -> Bool { words.contains(flag) }
        // Defaults as vLLM's EngineArgs documents them (V1 engine).
        blockSize = value("--block-size") ?? "16 (default)"
        gpuMemoryUtilization = value("--gpu-memory-utilization") ?? "0.9 (default)"
        maxModelLen = value("--max-model-len") ?? "model's own"
        maxNumSeqs = value("--max-num-seqs") ?? "default"
        kvCacheDType = value("--kv-cache-dtype") ?? "auto"
        prefixCaching = has("--no-enable-prefix-caching") ? "off" : (has("--enable-prefix-caching") ? "on" : "default")
        tensorParallel = value("--tensor-parallel-size") ?? value("-tp") ?? "1"
        gpuBlocks = reported?.numGPUBlocks.map(String.init) ?? value("--num-gpu-blocks-override")
        if let size = reported?.blockSize { blockSize = String(size) }
    }

    /// Label/value pairs in the order the detail view shows them.
    public var fields: [(String, String)] {
        [("block size", blockSize), ("gpu_memory_utilization", gpuMemoryUtilization),
         ("GPU blocks", gpuBlocks ?? "no metrics yet"), ("max model len", maxModelLen),
         ("max num seqs", maxNumSeqs), ("kv cache dtype", kvCacheDType), ("prefix caching", prefixCaching),
         ("tensor parallel", tensorParallel)]
    }
}
