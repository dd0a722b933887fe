import CKernels
import Foundation

/// Why a CPU runner could not be made as asked (cache size, block size).
public struct CPURunnerError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "CPU engine: \(message)" }
}

/// `ModelRunner` on the CPU: the C kernels (CKernels) over a paged KV cache (half or float32,
/// `CPUKVCacheFormat`) that this runner owns (layout: kvd_attention.h). Llama, Qwen2 (q/k/v biases) and Qwen3 (q/k norms).
///
/// One forward pass runs every scheduled token together: each weight matrix is streamed once per
/// step for all tokens of all sequences, prefill chunks and decode steps alike.
public final class CPUModelRunner: ModelRunner, @unchecked Sendable {
    public let config: ModelConfig
    public let blockSize: Int
    public let blockCount: Int
    public let arithmetic: CPUArithmetic
    public let kernelPath: CPUKernelPath
    public let kvCacheFormat: CPUKVCacheFormat
    /// Weight bytes one decode step reads for one token (the decode ceiling's numerator).
    public let weightBytesPerToken: Int
    /// Multiply-adds of the matrix products per token.
    public let multiplyAddsPerToken: Int

    let weights: CPUWeights
    /// How the products' inputs are quantised (KVD_XQ_*; unused with exact arithmetic).
    let activationFormat: Int32
    let pool: CPUThreadPool
    /// K then V for layer 0, then layer 1, ...; each `blockCount * layerStride` bytes.
    private let kvCache: UnsafeMutableRawPointer
    private let layerStride: Int
    private let lock = NSLock()  // `forward` is serialised by the engine; this makes it certain
    private var scratch = CPUScratch()
    private var logitsStorage: [Float] = []
    /// Set to time each phase of the passes (the benchmark's `--phases`); nil costs nothing.
    public var phaseTimes: ForwardPhaseTimes? {
        get { lock.lock(); defer { lock.unlock() }; return phaseClock }
        set { lock.lock(); defer { lock.unlock() }; phaseClock = newValue }
    }
    private var phaseClock: ForwardPhaseTimes?
    /// RoPE's per-pair inverse frequencies and cos/sin factor, with the model's scaling.
    private let ropeInverseFrequencies: [Float]
    private let ropeAttentionFactor: Float

    /// blockCount: KV blocks of `blockSize` tokens. threads: nil = one per online CPU.
    /// kvCacheFormat: nil is `--kv-cache-dtype auto` (half, or float32 with exact arithmetic).
    public init(weights model: any ModelWeights, blockSize: Int = 16, blockCount: Int,
                arithmetic: CPUArithmetic = .int16Activations, kernelPath: CPUKernelPath = .best,
                kvCacheFormat: CPUKVCacheFormat? = nil, threads: Int? = nil) throws {
        let c = model.config
        let kvCacheFormat = kvCacheFormat ?? .automatic(for: arithmetic)
        guard (1...Int(KVD_ATTN_MAX_BLOCK_SIZE)).contains(blockSize) else {
            throw CPURunnerError("block size \(blockSize) is outside 1...\(KVD_ATTN_MAX_BLOCK_SIZE)")
        }
        guard blockCount >= 1, blockCount <= Int(Int32.max) / blockSize else {
            throw CPURunnerError("block count \(blockCount) is outside 1...\(Int(Int32.max) / blockSize)")
        }
        guard kernelPath.isSupported else {
            throw CPURunnerError("this CPU cannot run the \(kernelPath) kernels")
        }
        guard c.headDim <= Int(KVD_ATTN_MAX_HEAD_DIM), c.headCount % c.kvHeadCount == 0,
              c.headCount / c.kvHeadCount <= Int(KVD_ATTN_MAX_GROUP), c.headDim % 2 == 0 else {
            throw ModelLoadError(path: model.source, "attention shape (\(c.headCount) heads over \(c.kvHeadCount) KV heads of \(c.headDim)) is outside what the CPU kernels take")
        }
        let (bytes, overflow) = (kvCacheFormat.bytesPerToken(c) * blockSize).multipliedReportingOverflow(by: blockCount)
        guard !overflow else {
            throw CPURunnerError("a KV cache of \(blockCount) blocks of \(blockSize) tokens does not fit in memory")
        }
        // The packed kernel exists for AVX-512 with int16 activations, the default on such CPUs,
        // and reads them in groups of 8 tokens, a format only it reads (kvd_matmul.h).
        let packs = kernelPath == .avx512 && arithmetic == .int16Activations
        self.weights = try CPUWeights(model, packBlockMatrices: packs)
        self.activationFormat = Int32(packs ? KVD_XQ_WIDE_GROUPED : arithmetic.wide ? KVD_XQ_WIDE : KVD_XQ_NARROW)
        self.config = c
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.arithmetic = arithmetic
        self.kernelPath = kernelPath
        self.kvCacheFormat = kvCacheFormat
        self.weightBytesPerToken = weights.bytesPerToken
        self.multiplyAddsPerToken = weights.multiplyAddsPerToken
        self.pool = CPUThreadPool(threads: threads)
        self.ropeInverseFrequencies = c.ropeScaling.inverseFrequencies(headDim: c.headDim, theta: c.ropeTheta)
        self.ropeAttentionFactor = c.ropeScaling.attentionFactor
        self.layerStride = c.kvHeadCount * blockSize * c.headDim * kvCacheFormat.bytesPerElement
        self.kvCache = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        // Untouched blocks are never read (attention reads only positions below each context
        // length), so no clearing is needed; pages are committed as blocks are first written.
    }

    /// Sizes the cache from a byte budget: as many whole blocks as fit.
    public convenience init(weights model: any ModelWeights, blockSize: Int = 16, kvCacheBytes: Int,
                            arithmetic: CPUArithmetic = .int16Activations, kernelPath: CPUKernelPath = .best,
                            kvCacheFormat: CPUKVCacheFormat? = nil, threads: Int? = nil) throws {
        let format = kvCacheFormat ?? .automatic(for: arithmetic)
        let perBlock = format.bytesPerToken(model.config) * max(blockSize, 1)
        let blocks = kvCacheBytes / perBlock
        guard blocks >= 1 else {
            throw CPURunnerError("a KV cache of \(kvCacheBytes) bytes holds no block of \(blockSize) tokens (one takes \(perBlock) bytes)")
        }
        try self.init(weights: model, blockSize: blockSize, blockCount: blocks, arithmetic: arithmetic,
                      kernelPath: kernelPath, kvCacheFormat: format, threads: threads)
    }

    deinit { kvCache.deallocate() }

    public var threadCount: Int { pool.threadCount }

    /// The instruction the matrix products multiply with (int16 or int8 integer products for
    /// quantised weights and activations, else float multiply-adds) and the multiply-adds per
    /// second it sustains on every thread at once: the arithmetic ceiling of a batched step.
    /// nil on the reference path, which has no vector instruction to measure.
    public func multiplyAddPeak(repeats: Int) -> (instruction: String, perSecond: Double)? {
        let quantized = arithmetic.quantizes && kvd_type_is_block(weights.layers.first?.gate.type ?? 0) != 0
        let kind = !quantized ? KVD_PEAK_FLOAT : arithmetic.wide ? KVD_PEAK_INT16 : KVD_PEAK_INT8
        let names: [CPUKernelPath: [Int: String]] = [
            .avx512: [KVD_PEAK_INT16: "vpdpwssd", KVD_PEAK_INT8: "vpdpbusd", KVD_PEAK_FLOAT: "vfmadd (512-bit)"],
            .avx2: [KVD_PEAK_INT16: "pmaddwd", KVD_PEAK_INT8: "pmaddubsw", KVD_PEAK_FLOAT: "vfmadd (256-bit)"],
        ]
        guard let name = names[kernelPath]?[Int(kind)] else { return nil }
        let rate = kvd_matmul_peak(pool.raw, kernelPath.rawValue, Int32(kind), Int32(max(repeats, 1)))
        return rate > 0 ? (name, rate) : nil
    }

    public func forward(_ batch: ForwardBatch) throws -> Logits {
        try forward(batch, logitsForEveryToken: false)
    }

    /// With `logitsForEveryToken`, one logits row per token instead of per slice (tests use it to
    /// check prefill at every position).
    func forward(_ batch: ForwardBatch, logitsForEveryToken: Bool) throws -> Logits {
        lock.lock()
        defer { lock.unlock() }
        try batch.validate(blockSize: blockSize, blockCount: blockCount, vocabSize: config.vocabSize)
        var rows: [Int32] = []
        if logitsForEveryToken {
            rows = (0..<batch.tokens.count).map { Int32($0) }
        } else {
            for s in batch.slices where s.wantsLogits { rows.append(Int32(s.tokenRange.upperBound - 1)) }
        }
        guard !batch.tokens.isEmpty else { return Logits(rowCount: 0, vocabSize: config.vocabSize, values: []) }
        let values = try run(batch, logitRows: rows)
        return Logits(rowCount: rows.count, vocabSize: config.vocabSize, values: values)
    }

    // MARK: - The pass

    private func run(_ batch: ForwardBatch, logitRows: [Int32]) throws -> [Float] {
        let clock = phaseClock
        clock?.beginPass()
        let c = config
        let n = batch.tokens.count
        let h = c.hiddenSize, hd = c.headDim
        let qDim = c.headCount * hd, kvDim = c.kvHeadCount * hd, ffn = c.intermediateSize
        let s = scratch.reserve(tokens: n, config: c, logitRows: logitRows.count)
        let wide = activationFormat
        let xq: UnsafeMutableRawPointer? = arithmetic.quantizes ? s.xq : nil
        // The SwiGLU result quantised for the down product (beside xq: its products still read xq).
        let ffnq: UnsafeMutableRawPointer? = arithmetic.quantizes ? s.ffnq : nil
        let eps = Float(c.rmsNormEps)
        let isa = kernelPath.rawValue

        // Per token: how many positions it sees and where its sequence's block table starts.
        var ctxLen = [Int32](repeating: 0, count: n)
        var tableOffset = [Int32](repeating: 0, count: n)
        var tables: [Int32] = []
        for sl in batch.slices {
            let first = sl.contextLength - sl.tokenRange.count
            let offset = Int32(tables.count)
            tables.append(contentsOf: sl.blockTable)
            for (j, t) in sl.tokenRange.enumerated() {
                ctxLen[t] = Int32(first + j + 1)
                tableOffset[t] = offset
            }
        }
        var shape = kvd_attn_shape(num_heads: Int32(c.headCount), num_kv_heads: Int32(c.kvHeadCount),
                                   head_dim: Int32(hd), block_size: Int32(blockSize),
                                   num_blocks: Int32(blockCount), scale: 1 / Float(hd).squareRoot(),
                                   kv_type: kvCacheFormat.kernelType)

        let oneTokenPerSequence = batch.slices.allSatisfy { $0.tokenRange.count == 1 }
        // Every layer rotates q and k by the same angles: compute them once per pass.
        let layout = c.ropeLayout == .halfSplit ? Int32(KVD_ROPE_HALF_SPLIT) : Int32(KVD_ROPE_ADJACENT_PAIRS)
        batch.positions.withUnsafeBufferPointer { pos in
            kvd_rope_table(pos.baseAddress, Int32(n), Int32(hd), ropeInverseFrequencies, ropeAttentionFactor, s.ropeCos, s.ropeSin)
        }
        batch.tokens.withUnsafeBufferPointer { ids in
            kvd_embed(Int32(weights.embedding.type.rawValue), weights.embedding.data.baseAddress, Int32(h), ids.baseAddress, Int32(n), s.x)
        }
        for (l, layer) in weights.layers.enumerated() {
            let kCache = kvCache + (2 * l) * blockCount * layerStride
            let vCache = kCache + blockCount * layerStride
            clock?.end(l == 0 ? .setup : .down)

            kvd_rmsnorm_quantize(pool.raw, isa, s.x, layer.attnNorm, s.xb, Int32(n), Int32(h), eps, wide, xq)
            clock?.end(.attentionNorm)
            try matmul([layer.q.linear(into: s.q, ldy: qDim), layer.k.linear(into: s.k, ldy: kvDim),
                        layer.v.linear(into: s.v, ldy: kvDim)], s.xb, xq, n)
            clock?.end(.qkv)
            if let qn = layer.qNorm, let kn = layer.kNorm {
                kvd_rmsnorm(pool.raw, s.q, qn, s.q, Int32(n * c.headCount), Int32(hd), eps)
                kvd_rmsnorm(pool.raw, s.k, kn, s.k, Int32(n * c.kvHeadCount), Int32(hd), eps)
                clock?.end(.qkNorm)
            }
            // q and k rotated by position and K and V stored, then attention, whose tasks also
            // quantise the output product's input: one job in a decode step (kvd_attention).
            var rope = kvd_kv_rope(q: s.q, ldq: Int32(qDim), cos: s.ropeCos, sin: s.ropeSin, layout: layout)
            let rc = batch.slotMapping.withUnsafeBufferPointer { slots in
                withUnsafePointer(to: &rope) { rp in
                    var write = kvd_kv_write(k: s.k, v: s.v, ld: Int32(kvDim), slots: slots.baseAddress, rope: rp,
                                             one_token_per_sequence: oneTokenPerSequence ? 1 : 0)
                    return ctxLen.withUnsafeBufferPointer { cl in
                        tables.withUnsafeBufferPointer { tb in
                            tableOffset.withUnsafeBufferPointer { to in
                                kvd_attention(pool.raw, isa, &shape, kCache, vCache, s.q, Int32(qDim), s.att, Int32(qDim),
                                              Int32(n), cl.baseAddress, tb.baseAddress, to.baseAddress, wide, xq, &write)
                            }
                        }
                    }
                }
            }
            guard rc == 0 else { throw CPURunnerError("the attention kernel refused its arguments (layer \(l))") }
            clock?.end(.attention)
            try matmul([layer.o.linear(into: s.x, ldy: h, accumulate: true)], s.att, xq, n)
            clock?.end(.outputProduct)

            kvd_rmsnorm_quantize(pool.raw, isa, s.x, layer.ffnNorm, s.xb, Int32(n), Int32(h), eps, wide, xq)
            clock?.end(.ffnNorm)
            // silu(gate) * up, quantised for the down product, in the same job as both products.
            var gate = layer.gate.linear(into: s.gate, ldy: ffn), up = layer.up.linear(into: s.up, ldy: ffn)
            guard kvd_matmul_swiglu(pool.raw, isa, &gate, &up, s.xb, xq, wide, Int32(n), ffnq) == 0 else {
                throw CPURunnerError("the matmul kernel refused its arguments")
            }
            clock?.end(.gateUpSwiGLU)
            try matmul([layer.down.linear(into: s.x, ldy: h, accumulate: true)], s.gate, ffnq, n)
        }

        clock?.end(weights.layers.isEmpty ? .setup : .down)

        // Only the rows that want logits go through the final norm and the vocabulary matrix.
        let m = logitRows.count
        guard m > 0 else { return [] }
        for (i, t) in logitRows.enumerated() {
            (s.xb + i * h).update(from: s.x + Int(t) * h, count: h)
        }
        kvd_rmsnorm_quantize(pool.raw, isa, s.xb, weights.outputNorm, s.xb, Int32(m), Int32(h), eps, wide, xq)
        // The logits go straight into the array returned, kept between steps: once the caller has
        // dropped the previous step's logits it is uniquely referenced and written in place (at
        // 32 sequences a fresh 6 MB array per step cost a copy and page faults, ~5% of a step).
        let count = m * c.vocabSize
        if logitsStorage.count != count {
            logitsStorage.removeAll(keepingCapacity: true)
            logitsStorage.append(contentsOf: repeatElement(0, count: count))
        }
        try logitsStorage.withUnsafeMutableBufferPointer { out in
            try matmul([weights.output.linear(into: out.baseAddress!, ldy: c.vocabSize)], s.xb, xq, m)
        }
        clock?.end(.logits)
        return logitsStorage
    }

    private func matmul(_ outs: [kvd_linear], _ x: UnsafePointer<Float>, _ xq: UnsafeMutableRawPointer?, _ n: Int) throws {
        let rc = outs.withUnsafeBufferPointer {
            kvd_matmul(pool.raw, kernelPath.rawValue, $0.baseAddress, Int32($0.count), x, xq, activationFormat, Int32(n))
        }
        guard rc == 0 else { throw CPURunnerError("the matmul kernel refused its arguments") }
    }
}
