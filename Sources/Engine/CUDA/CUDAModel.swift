import CKVDeckCUDA
import Foundation

/// Element type of the weights, GEMM inputs and KV cache on the GPU (kvdeck_cuda.h, KVD_CUDA_DTYPE_*).
public enum CUDAPrecision: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// float32 without TF32: the exact path, for comparing with the CPU.
    case f32 = 0
    case f16 = 1
    /// Tensor-core GEMMs with float32 accumulation; the default, as vLLM runs bf16 models.
    case bf16 = 2

    public var description: String { ["f32", "f16", "bf16"][Int(rawValue)] }

    /// `$KVDECK_CUDA_DTYPE` (f32, f16, bf16), else bf16.
    public static func from(environment: [String: String]) throws(CUDAUnavailable) -> CUDAPrecision {
        guard let v = environment["KVDECK_CUDA_DTYPE"], !v.isEmpty else { return .bf16 }
        guard let p = allCases.first(where: { $0.description == v.lowercased() }) else {
            throw CUDAUnavailable("KVDECK_CUDA_DTYPE=\(v) is not f32, f16 or bf16")
        }
        return p
    }
}

/// A model's weights on the GPU, uploaded once and shared by every `CUDAModelRunner` over it.
public final class CUDAModel: @unchecked Sendable {
    let device: CUDADevice
    let handle: OpaquePointer
    public let config: ModelConfig
    public let precision: CUDAPrecision
    /// GPU bytes the weights take.
    public let bytes: Int
    /// Keeps the memory map the upload read from alive as long as the model (not needed after the
    /// upload, but cheap, and it lets a runner fall back to the same weights).
    let weights: any ModelWeights

    public init(weights: any ModelWeights, device: CUDADevice, precision: CUDAPrecision) throws {
        let c = weights.config
        // The kernels apply plain RoPE (rope_theta only): a scaled model would run with the wrong
        // positions, so it is refused here until the library takes the scaled frequencies.
        guard c.ropeScaling == .none else {
            throw ModelLoadError(path: weights.source, "the CUDA backend does not apply RoPE scaling (\(c.ropeScaling)) yet; run it on the CPU (KVDECK_BACKEND=cpu)")
        }
        var names = ["token_embd.weight", "output_norm.weight"]
        if !c.tiedEmbeddings { names.append("output.weight") }
        for i in 0..<c.layerCount {
            for n in ["attn_norm", "ffn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"] {
                names.append("blk.\(i).\(n).weight")
            }
            if c.attentionBias { names += ["q", "k", "v"].map { "blk.\(i).attn_\($0).bias" } }
            if c.qkNorm { names += ["blk.\(i).attn_q_norm.weight", "blk.\(i).attn_k_norm.weight"] }
        }
        // The library finds tensors by name and checks their shapes; a missing one is its error.
        let found = names.compactMap { weights.tensor($0) }
        let cNames = found.map { strdup($0.name)! }
        defer { cNames.forEach { free($0) } }
        var tensors: [kvd_cuda_tensor] = zip(found, cNames).map { t, name in
            var d = kvd_cuda_tensor()
            d.name = UnsafePointer(name)
            d.type = Int32(t.type.rawValue)
            d.dim_count = Int32(min(t.dimensions.count, 4))
            withUnsafeMutableBytes(of: &d.dims) { raw in
                let dims = raw.bindMemory(to: Int64.self)
                for (k, v) in t.dimensions.prefix(4).enumerated() { dims[k] = Int64(v) }
            }
            d.data = t.data.baseAddress
            d.bytes = Int64(t.data.count)
            return d
        }
        var cfg = kvd_cuda_model_config(
            vocab_size: Int32(c.vocabSize), hidden_size: Int32(c.hiddenSize), intermediate_size: Int32(c.intermediateSize),
            layer_count: Int32(c.layerCount), head_count: Int32(c.headCount), kv_head_count: Int32(c.kvHeadCount),
            head_dim: Int32(c.headDim),
            rope_layout: c.ropeLayout == .halfSplit ? Int32(KVD_CUDA_ROPE_HALF_SPLIT) : Int32(KVD_CUDA_ROPE_ADJACENT_PAIRS),
            rope_theta: Float(c.ropeTheta), rms_norm_eps: Float(c.rmsNormEps), tied_embeddings: c.tiedEmbeddings ? 1 : 0,
            attention_bias: c.attentionBias ? 1 : 0, qk_norm: c.qkNorm ? 1 : 0)
        var model: OpaquePointer?
        let library = device.library
        try CUDALibrary.call("uploading \(weights.source)") { err in
            library.modelCreate(Int32(device.index), &cfg, precision.rawValue, &tensors, Int32(tensors.count), &model, err)
        }
        self.device = device
        self.handle = model!
        self.config = c
        self.precision = precision
        self.bytes = Int(library.modelBytes(model))
        self.weights = weights
    }

    deinit { device.library.modelDestroy(handle) }
}
