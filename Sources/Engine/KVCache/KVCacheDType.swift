/// `--kv-cache-dtype`, as vLLM spells the flag: `auto` lets the backend choose, or an explicit
/// element type. vLLM's `auto` takes the model's compute dtype (half for a GGUF model), and so
/// does ours: the CPU engine stores K and V as IEEE half unless told otherwise (or unless it runs
/// exact float32 arithmetic, whose promise is float32 throughout). vLLM's fp8 variants are not
/// implemented here and are refused by name.
public enum KVCacheDType: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case auto
    case float16
    case float32

    /// Accepts `auto`, `float16` (`half`, `fp16`) and `float32` (`float`, `fp32`).
    public init(flag text: String) throws(EngineError) {
        switch text.lowercased() {
        case "auto": self = .auto
        case "float16", "half", "fp16": self = .float16
        case "float32", "float", "fp32": self = .float32
        case let v where v.hasPrefix("fp8"):
            throw .invalidConfiguration("--kv-cache-dtype \(text): fp8 KV caches are not implemented by kvdeck's engines; use auto (half), float16 or float32")
        default:
            throw .invalidConfiguration("--kv-cache-dtype \"\(text)\" is not auto, float16 or float32")
        }
    }

    /// The CPU runner's cache format, or nil for `auto`: the runner then picks for its arithmetic
    /// (`CPUKVCacheFormat.automatic(for:)`).
    public var cpuFormat: CPUKVCacheFormat? {
        switch self {
        case .auto: return nil
        case .float16: return .float16
        case .float32: return .float32
        }
    }

    public var description: String { rawValue }
}
