import CKernels

/// The activations of one forward pass, grown to the largest batch seen and reused, so a decode
/// step allocates nothing (the runner keeps its logits array between steps too).
struct CPUScratch {
    struct Buffers {
        var x, xb, q, k, v, att, gate, up, ropeCos, ropeSin: UnsafeMutablePointer<Float>
        /// Quantised activations: a product's input; and the SwiGLU result, the down product's
        /// input, which kvd_matmul_swiglu writes while its own products still read `xq`.
        var xq, ffnq: UnsafeMutableRawPointer
    }

    private final class Storage {
        let tokens: Int
        let logitRows: Int
        let buffers: Buffers
        private let floats: UnsafeMutablePointer<Float>
        private let bytes: UnsafeMutableRawPointer

        init(tokens n: Int, logitRows m: Int, config c: ModelConfig) {
            tokens = n
            logitRows = m
            let h = c.hiddenSize, qDim = c.headCount * c.headDim, kvDim = c.kvHeadCount * c.headDim
            let ffn = c.intermediateSize
            // Offsets rounded to 16 floats (64 bytes) so every buffer starts on a cache line.
            func r(_ v: Int) -> Int { (v + 15) & ~15 }
            let sizes = [n * h, max(n, m) * max(h, qDim), n * qDim, n * kvDim, n * kvDim, n * qDim, n * ffn, n * ffn,
                         n * c.headDim / 2, n * c.headDim / 2]
            let total = sizes.reduce(0) { $0 + r($1) }
            floats = UnsafeMutableRawPointer.allocate(byteCount: max(total, 16) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(total, 16))
            var p = floats
            var parts: [UnsafeMutablePointer<Float>] = []
            for size in sizes { parts.append(p); p += r(size) }
            // Room for the largest row in any format: the wide ones are the larger, the grouped
            // one larger still for a partial last group.
            let widest = Int32(max(h, qDim, ffn)), rows = Int32(max(n, m))
            let qBytes = (Int(max(kvd_xq_bytes(rows, widest, Int32(KVD_XQ_WIDE)), kvd_xq_bytes(rows, widest, Int32(KVD_XQ_WIDE_GROUPED)))) + 63) & ~63
            bytes = UnsafeMutableRawPointer.allocate(byteCount: 2 * qBytes + 64, alignment: 64)
            buffers = Buffers(x: parts[0], xb: parts[1], q: parts[2], k: parts[3], v: parts[4], att: parts[5],
                              gate: parts[6], up: parts[7], ropeCos: parts[8], ropeSin: parts[9], xq: bytes,
                              ffnq: bytes + qBytes)
        }

        deinit {
            floats.deallocate()
            bytes.deallocate()
        }
    }

    private var storage: Storage?

    mutating func reserve(tokens n: Int, config: ModelConfig, logitRows m: Int) -> Buffers {
        if let s = storage, s.tokens >= n, s.logitRows >= m { return s.buffers }
        let s = Storage(tokens: max(n, storage?.tokens ?? 0), logitRows: max(m, storage?.logitRows ?? 0), config: config)
        storage = s
        return s.buffers
    }
}
