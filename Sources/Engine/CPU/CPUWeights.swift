import CKernels

/// A weight matrix as the kernels take it: nout rows of nin values of a GGUF type, in place in
/// the memory map, or repacked into the AVX-512 kernel's tile order (`packed`, kvd_matmul.h).
struct CPULinear: @unchecked Sendable {
    let type: Int32
    let data: UnsafeRawPointer
    let nin: Int
    let nout: Int
    let bias: UnsafePointer<Float>?
    var packed = false

    /// The GGUF bytes of the matrix (what a decode step streams; packing keeps the size).
    var byteCount: Int { Int(kvd_row_bytes(type, Int32(nin))) * nout }

    func linear(into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool = false) -> kvd_linear {
        kvd_linear(type: packed ? type | KVD_PACKED : type, w: data, nin: Int32(nin), nout: Int32(nout), y: y,
                   ldy: Int32(ldy), bias: bias, accumulate: accumulate ? 1 : 0)
    }
}

/// One transformer block's tensors.
struct CPULayer: @unchecked Sendable {
    let attnNorm: UnsafePointer<Float>
    let q, k, v, o: CPULinear
    /// Qwen3: RMSNorm weights over each head of q and k.
    let qNorm, kNorm: UnsafePointer<Float>?
    let ffnNorm: UnsafePointer<Float>
    let gate, up, down: CPULinear
}

/// Every tensor a forward pass uses, resolved and shape-checked once. Small vectors (norms,
/// biases) are converted to float32 copies here so the kernels take one type for them.
///
/// With `packBlockMatrices`, every Q8_0/Q4_0/Q4_1 matrix is copied once into the tile order of the
/// AVX-512 int16 kernel (kvd_pack_weights), which streams it linearly, 16 rows per vector; the
/// embedding table stays in the memory map for row lookups (a tied output matrix is packed apart).
final class CPUWeights: @unchecked Sendable {
    let model: any ModelWeights
    let layers: [CPULayer]
    let embedding: WeightTensor
    let outputNorm: UnsafePointer<Float>
    let output: CPULinear
    private var owned: [UnsafeMutablePointer<Float>] = []
    private var ownedPacked: [UnsafeMutableRawPointer] = []

    /// Bytes of weights one decode step reads: every layer matrix, the output matrix, one
    /// embedding row (norms and biases are noise).
    var bytesPerToken: Int {
        layers.reduce(0) { $0 + [$1.q, $1.k, $1.v, $1.o, $1.gate, $1.up, $1.down].reduce(0) { $0 + $1.byteCount } }
            + output.byteCount + embedding.data.count / max(1, embedding.dimensions.last ?? 1)
    }

    init(_ model: any ModelWeights, packBlockMatrices: Bool = false) throws(ModelLoadError) {
        self.model = model
        let c = model.config
        let h = c.hiddenSize, qDim = c.headCount * c.headDim, kvDim = c.kvHeadCount * c.headDim
        var owned: [UnsafeMutablePointer<Float>] = []
        var ownedPacked: [UnsafeMutableRawPointer] = []

        func floats(_ name: String, _ count: Int) throws(ModelLoadError) -> UnsafePointer<Float> {
            let t = try model.require(name, dimensions: [count])
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            owned.append(p)
            kvd_dequantize_row(Int32(t.type.rawValue), t.data.baseAddress, Int32(count), p)
            return UnsafePointer(p)
        }
        func optionalFloats(_ name: String, _ count: Int, _ wanted: Bool) throws(ModelLoadError) -> UnsafePointer<Float>? {
            wanted ? try floats(name, count) : nil
        }
        func matrix(_ name: String, nin: Int, nout: Int, bias: UnsafePointer<Float>? = nil) throws(ModelLoadError) -> CPULinear {
            let t = try model.require(name, dimensions: [nin, nout])
            if t.type.blockElements > 1 && nin % t.type.blockElements != 0 {
                throw ModelLoadError(path: model.source, "tensor \(name): rows of \(nin) are not whole \(t.type.name) blocks")
            }
            guard nin <= Int(KVD_MAX_NIN) else {
                throw ModelLoadError(path: model.source, "tensor \(name): rows of \(nin) values exceed the kernels' \(KVD_MAX_NIN)")
            }
            let type = Int32(t.type.rawValue)
            let packedBytes = packBlockMatrices ? kvd_packed_bytes(type, Int32(nin), Int32(nout)) : 0
            guard packedBytes > 0 else {
                return CPULinear(type: type, data: t.data.baseAddress!, nin: nin, nout: nout, bias: bias)
            }
            let p = UnsafeMutableRawPointer.allocate(byteCount: packedBytes, alignment: 64)
            ownedPacked.append(p)
            guard kvd_pack_weights(type, t.data.baseAddress, Int32(nin), Int32(nout), p) == 0 else {
                throw ModelLoadError(path: model.source, "tensor \(name): the kernels could not repack it")
            }
            return CPULinear(type: type, data: UnsafeRawPointer(p), nin: nin, nout: nout, bias: bias, packed: true)
        }

        do {
            var layers: [CPULayer] = []
            for i in 0..<c.layerCount {
                let p = "blk.\(i)."
                layers.append(CPULayer(
                    attnNorm: try floats(p + "attn_norm.weight", h),
                    q: try matrix(p + "attn_q.weight", nin: h, nout: qDim, bias: try optionalFloats(p + "attn_q.bias", qDim, c.attentionBias)),
                    k: try matrix(p + "attn_k.weight", nin: h, nout: kvDim, bias: try optionalFloats(p + "attn_k.bias", kvDim, c.attentionBias)),
                    v: try matrix(p + "attn_v.weight", nin: h, nout: kvDim, bias: try optionalFloats(p + "attn_v.bias", kvDim, c.attentionBias)),
                    o: try matrix(p + "attn_output.weight", nin: qDim, nout: h),
                    qNorm: try optionalFloats(p + "attn_q_norm.weight", c.headDim, c.qkNorm),
                    kNorm: try optionalFloats(p + "attn_k_norm.weight", c.headDim, c.qkNorm),
                    ffnNorm: try floats(p + "ffn_norm.weight", h),
                    gate: try matrix(p + "ffn_gate.weight", nin: h, nout: c.intermediateSize),
                    up: try matrix(p + "ffn_up.weight", nin: h, nout: c.intermediateSize),
                    down: try matrix(p + "ffn_down.weight", nin: c.intermediateSize, nout: h)))
            }
            self.layers = layers
            self.embedding = try model.require("token_embd.weight", dimensions: [h, c.vocabSize])
            self.outputNorm = try floats("output_norm.weight", h)
            self.output = try matrix(c.tiedEmbeddings ? "token_embd.weight" : "output.weight", nin: h, nout: c.vocabSize)
        } catch {
            for p in owned { p.deallocate() }
            for p in ownedPacked { p.deallocate() }
            throw error
        }
        self.owned = owned
        self.ownedPacked = ownedPacked
    }

    deinit {
        for p in owned { p.deallocate() }
        for p in ownedPacked { p.deallocate() }
    }
}
