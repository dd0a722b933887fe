import Foundation
@testable import Engine

/// Writes small GGUF v3 files for tests: metadata (u32, f32, string) and tensors of raw bytes.
struct TestGGUFWriter {
    enum Value { case u32(UInt32), f32(Float), string(String) }
    var metadata: [(String, Value)] = []
    var tensors: [(name: String, type: GGMLType, dims: [Int], bytes: [UInt8])] = []

    func write(to url: URL) throws {
        var d = Data("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); d.append(contentsOf: Array(s.utf8)) }
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (k, v) in metadata {
            str(k)
            switch v {
            case .u32(let x): u32(4); u32(x)
            case .f32(let x): u32(6); u32(x.bitPattern)
            case .string(let s): u32(8); str(s)
            }
        }
        var offset = 0
        for t in tensors {
            str(t.name)
            u32(UInt32(t.dims.count))
            for x in t.dims { u64(UInt64(x)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
            offset += (t.bytes.count + 31) / 32 * 32
        }
        while d.count % 32 != 0 { d.append(0) }
        for t in tensors {
            d.append(contentsOf: t.bytes)
            while d.count % 32 != 0 { d.append(0) }
        }
        try d.write(to: url)
    }
}

/// A tiny random model of one architecture as a GGUF file, its matrices spread over every
/// supported type so the whole path (loader, config, kernels) is exercised per type.
enum SyntheticModel {
    static let hidden = 64, heads = 4, kvHeads = 2, headDim = 16, ffn = 96, layers = 2, vocab = 40

    static func write(_ arch: ModelConfig.Architecture, to url: URL, seed: UInt64, tied: Bool) throws {
        var rng = SeededRandom(seed: seed)
        var w = TestGGUFWriter()
        let a = arch.rawValue
        w.metadata = [
            ("general.architecture", .string(a)),
            ("\(a).block_count", .u32(UInt32(layers))),
            ("\(a).embedding_length", .u32(UInt32(hidden))),
            ("\(a).feed_forward_length", .u32(UInt32(ffn))),
            ("\(a).attention.head_count", .u32(UInt32(heads))),
            ("\(a).attention.head_count_kv", .u32(UInt32(kvHeads))),
            ("\(a).rope.freq_base", .f32(10000)),
            ("\(a).attention.layer_norm_rms_epsilon", .f32(1e-6)),
            ("\(a).context_length", .u32(256)),
        ]
        func matrix(_ name: String, _ type: GGMLType, _ nin: Int, _ nout: Int) {
            w.tensors.append((name, type, [nin, nout], TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)))
        }
        func vector(_ name: String, _ n: Int, around: Float) {
            let values = rng.floats(n).map { around + 0.2 * $0 }
            w.tensors.append((name, .f32, [n], values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }))
        }
        let qDim = heads * headDim, kvDim = kvHeads * headDim
        matrix("token_embd.weight", .q8_0, hidden, vocab)
        for i in 0..<layers {
            let p = "blk.\(i)."
            vector(p + "attn_norm.weight", hidden, around: 1)
            matrix(p + "attn_q.weight", .f16, hidden, qDim)
            matrix(p + "attn_k.weight", .bf16, hidden, kvDim)
            matrix(p + "attn_v.weight", .q4_0, hidden, kvDim)
            matrix(p + "attn_output.weight", .f32, qDim, hidden)
            if arch == .qwen2 {
                vector(p + "attn_q.bias", qDim, around: 0)
                vector(p + "attn_k.bias", kvDim, around: 0)
                vector(p + "attn_v.bias", kvDim, around: 0)
            }
            if arch == .qwen3 {
                vector(p + "attn_q_norm.weight", headDim, around: 1)
                vector(p + "attn_k_norm.weight", headDim, around: 1)
            }
            vector(p + "ffn_norm.weight", hidden, around: 1)
            matrix(p + "ffn_gate.weight", .q4_1, hidden, ffn)
            matrix(p + "ffn_up.weight", .q8_0, hidden, ffn)
            matrix(p + "ffn_down.weight", .q4_1, ffn, hidden)
        }
        vector("output_norm.weight", hidden, around: 1)
        if !tied { matrix("output.weight", .q4_0, hidden, vocab) }
        try w.write(to: url)
    }
}

/// The transformer written out plainly in Double over a whole sequence at once (no cache, no
/// kernels): the definition the runner is checked against for the synthetic models.
struct NaiveTransformer {
    let model: any ModelWeights

    func matrix(_ name: String) -> [[Double]] {
        let t = model.tensor(name)!
        let bytes = Array(t.data)
        return (0..<t.dimensions[1]).map { TestWeights.dequantize(type: t.type, bytes: bytes, nin: t.dimensions[0], row: $0).map(Double.init) }
    }

    func vector(_ name: String) -> [Double]? {
        guard let t = model.tensor(name) else { return nil }
        return TestWeights.dequantize(type: t.type, bytes: Array(t.data), nin: t.dimensions[0], row: 0).map(Double.init)
    }

    func logits(_ tokens: [Int32]) -> [[Double]] {
        let c = model.config
        let hd = c.headDim, group = c.headCount / c.kvHeadCount
        func mul(_ w: [[Double]], _ x: [Double]) -> [Double] { w.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } } }
        func norm(_ x: [Double], _ w: [Double]) -> [Double] {
            let s = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(x.count) + c.rmsNormEps).squareRoot()
            return zip(x, w).map { $0 * s * $1 }
        }
        func rope(_ v: inout [Double], pos: Int) {
            for j in 0..<(hd / 2) {
                let angle = Double(pos) * pow(c.ropeTheta, -Double(2 * j) / Double(hd))
                let (i0, i1) = c.ropeLayout == .halfSplit ? (j, j + hd / 2) : (2 * j, 2 * j + 1)
                let a = v[i0], b = v[i1]
                v[i0] = a * cos(angle) - b * sin(angle)
                v[i1] = b * cos(angle) + a * sin(angle)
            }
        }
        let embed = matrix("token_embd.weight")
        var x = tokens.map { embed[Int($0)] }
        for l in 0..<c.layerCount {
            let p = "blk.\(l)."
            let (wq, wk, wv, wo) = (matrix(p + "attn_q.weight"), matrix(p + "attn_k.weight"), matrix(p + "attn_v.weight"), matrix(p + "attn_output.weight"))
            var qs: [[[Double]]] = [], ks: [[[Double]]] = [], vs: [[[Double]]] = []
            for (pos, xi) in x.enumerated() {
                let h = norm(xi, vector(p + "attn_norm.weight")!)
                var q = mul(wq, h), k = mul(wk, h), v = mul(wv, h)
                if let b = vector(p + "attn_q.bias") { q = zip(q, b).map(+) }
                if let b = vector(p + "attn_k.bias") { k = zip(k, b).map(+) }
                if let b = vector(p + "attn_v.bias") { v = zip(v, b).map(+) }
                var qh = (0..<c.headCount).map { Array(q[($0 * hd)..<(($0 + 1) * hd)]) }
                var kh = (0..<c.kvHeadCount).map { Array(k[($0 * hd)..<(($0 + 1) * hd)]) }
                if let qn = vector(p + "attn_q_norm.weight"), let kn = vector(p + "attn_k_norm.weight") {
                    qh = qh.map { norm($0, qn) }
                    kh = kh.map { norm($0, kn) }
                }
                for i in qh.indices { rope(&qh[i], pos: pos) }
                for i in kh.indices { rope(&kh[i], pos: pos) }
                qs.append(qh); ks.append(kh)
                vs.append((0..<c.kvHeadCount).map { Array(v[($0 * hd)..<(($0 + 1) * hd)]) })
            }
            for t in x.indices {
                var att: [Double] = []
                for h in 0..<c.headCount {
                    let kv = h / group
                    let scores = (0...t).map { s in zip(qs[t][h], ks[s][kv]).reduce(0) { $0 + $1.0 * $1.1 } / Double(hd).squareRoot() }
                    let m = scores.max()!
                    let e = scores.map { exp($0 - m) }
                    let total = e.reduce(0, +)
                    att += (0..<hd).map { i in (0...t).reduce(0) { $0 + e[$1] * vs[$1][kv][i] } / total }
                }
                x[t] = zip(x[t], mul(wo, att)).map(+)
            }
            let (wg, wu, wd) = (matrix(p + "ffn_gate.weight"), matrix(p + "ffn_up.weight"), matrix(p + "ffn_down.weight"))
            for t in x.indices {
                let h = norm(x[t], vector(p + "ffn_norm.weight")!)
                let g = mul(wg, h), u = mul(wu, h)
                let a = zip(g, u).map { $0 / (1 + exp(-$0)) * $1 }
                x[t] = zip(x[t], mul(wd, a)).map(+)
            }
        }
        let out = matrix(c.tiedEmbeddings ? "token_embd.weight" : "output.weight")
        return x.map { mul(out, norm($0, vector("output_norm.weight")!)) }
    }
}
