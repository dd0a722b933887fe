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
    /// The packed matrices (`packBlockMatrices`), one allocation.
    private var packed: UnsafeMutableRawPointer?

    /// Every matrix a token multiplies: each layer's seven, then the output matrix.
    var matrices: [CPULinear] { layers.flatMap { [$0.q, $0.k, $0.v, $0.o, $0.gate, $0.up, $0.down] } + [output] }

    /// Bytes of weights one decode step reads: every matrix, one embedding row (norms and biases
    /// are noise).
    var bytesPerToken: Int {
        matrices.reduce(0) { $0 + $1.byteCount } + embedding.data.count / max(1, embedding.dimensions.last ?? 1)
    }

    /// Multiply-adds of the matrix products per token (attention's, which grow with the context,
    /// not counted).
    var multiplyAddsPerToken: Int { matrices.reduce(0) { $0 + $1.nin * $1.nout } }

    init(_ model: any ModelWeights, packBlockMatrices: Bool = false) throws(ModelLoadError) {
        self.model = model
        let c = model.config
        let h = c.hiddenSize, qDim = c.headCount * c.headDim, kvDim = c.kvHeadCount * c.headDim
        var owned: [UnsafeMutablePointer<Float>] = []

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
            return CPULinear(type: Int32(t.type.rawValue), data: t.data.baseAddress!, nin: nin, nout: nout, bias: bias)
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
            self.embedding = try model.require("token_embd.weight", dimensions: [h, c.vocabSize])
            self.outputNorm = try floats("output_norm.weight", h)
            var output = try matrix(c.tiedEmbeddings ? "token_embd.weight" : "output.weight", nin: h, nout: c.vocabSize)
            if packBlockMatrices {
                packed = try Self.pack(&layers, &output, source: model.source)
            }
            self.layers = layers
            self.output = output
        } catch {
            for p in owned { p.deallocate() }
            throw error
        }
        self.owned = owned
    }

    /// Packs every block-type matrix into one buffer, in the order a forward pass reads them
    /// (per layer q, k, v, o, gate, up, down; then the output matrix), so the kernel's prefetch
    /// running past the end of one matrix fetches the start of the next.
    private static func pack(_ layers: inout [CPULayer], _ output: inout CPULinear,
                             source: String) throws(ModelLoadError) -> UnsafeMutableRawPointer? {
        func bytes(_ m: CPULinear) -> Int { (Int(kvd_packed_bytes(m.type, Int32(m.nin), Int32(m.nout))) + 63) & ~63 }
        let order = layers.flatMap { [$0.q, $0.k, $0.v, $0.o, $0.gate, $0.up, $0.down] } + [output]
        let total = order.reduce(0) { $0 + bytes($1) }
        guard total > 0 else { return nil }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
        var offset = 0
        func packed(_ m: CPULinear) throws(ModelLoadError) -> CPULinear {
            let size = bytes(m)
            guard size > 0 else { return m }
            let p = buffer + offset
            offset += size
            guard kvd_pack_weights(m.type, m.data, Int32(m.nin), Int32(m.nout), p) == 0 else {
                throw ModelLoadError(path: source, "a \(m.nout) x \(m.nin) matrix could not be repacked for the kernels")
            }
            return CPULinear(type: m.type, data: UnsafeRawPointer(p), nin: m.nin, nout: m.nout, bias: m.bias, packed: true)
        }
        do {
            for i in layers.indices {
                let l = layers[i]
                layers[i] = CPULayer(attnNorm: l.attnNorm, q: try packed(l.q), k: try packed(l.k), v: try packed(l.v), o: try packed(l.o),
                                     qNorm: l.qNorm, kNorm: l.kNorm, ffnNorm: l.ffnNorm,
                                     gate: try packed(l.gate), up: try packed(l.up), down: try packed(l.down))
            }
            output = try packed(output)
        } catch {
            buffer.deallocate()
            throw error
        }
        return buffer
    }

    deinit {
        for p in owned { p.deallocate() }
        packed?.deallocate()
    }
}
