import CKernels

/// The element type of the CPU runner's KV cache (kvd_attention.h). float32 is exact; IEEE half
/// rounds K and V when they are stored, and halves both the cache's memory and the bytes every
/// decode step reads from it (at 32 sequences of ~100 tokens, more than the default model's
/// weights).
public enum CPUKVCacheFormat: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case float32 = "f32"
    case float16 = "f16"

    public var bytesPerElement: Int { self == .float32 ? 4 : 2 }

    /// What `--kv-cache-dtype auto` stores: half, as vLLM's `auto` takes a GGUF model's half dtype;
    /// float32 under exact arithmetic, whose promise is float32 throughout.
    public static func automatic(for arithmetic: CPUArithmetic) -> CPUKVCacheFormat {
        arithmetic == .exact ? .float32 : .float16
    }

    /// K and V of one token across all layers.
    public func bytesPerToken(_ c: ModelConfig) -> Int { 2 * c.layerCount * c.kvHeadCount * c.headDim * bytesPerElement }

    var kernelType: Int32 { self == .float32 ? Int32(KVD_KV_F32) : Int32(KVD_KV_F16) }

    public var description: String { self == .float32 ? "float32 KV cache" : "float16 KV cache" }
}
