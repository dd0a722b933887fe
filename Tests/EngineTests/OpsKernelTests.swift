import CKernels
import Foundation
import XCTest
@testable import Engine

/// The element-wise kernels, paged attention and the thread pool against Swift definitions.
final class OpsKernelTests: XCTestCase {
    func testRMSNorm() {
        var rng = SeededRandom(seed: 10)
        let rows = 3, n = 50
        let x = rng.floats(rows * n, scale: 4), w = rng.floats(n)
        var out = [Float](repeating: 0, count: rows * n)
        kvd_rmsnorm(nil, x, w, &out, Int32(rows), Int32(n), 1e-5)
        for r in 0..<rows {
            let row = x[(r * n)..<((r + 1) * n)]
            let scale = 1 / (row.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n) + 1e-5).squareRoot()
            for i in 0..<n {
                XCTAssertEqual(out[r * n + i], Float(Double(row[r * n + i]) * scale) * w[i], accuracy: 1e-5)
            }
        }
    }

    func testRoPEBothLayouts() {
        var rng = SeededRandom(seed: 11)
        let heads = 3, hd = 8, ntok = 2
        let positions: [Int32] = [0, 37]
        let x = rng.floats(ntok * heads * hd)
        for layout in [Int32(KVD_ROPE_HALF_SPLIT), Int32(KVD_ROPE_ADJACENT_PAIRS)] {
            var y = x
            var cs = [Float](repeating: 0, count: ntok * hd / 2), sn = cs
            let inv = RopeScaling.none.inverseFrequencies(headDim: hd, theta: 10000)
            kvd_rope_table(positions, Int32(ntok), Int32(hd), inv, 1, &cs, &sn)
            kvd_rope(&y, Int32(ntok), Int32(heads * hd), Int32(heads), Int32(hd), cs, sn, layout)
            for t in 0..<ntok {
                for h in 0..<heads {
                    let base = (t * heads + h) * hd
                    for j in 0..<(hd / 2) {
                        let angle = Double(positions[t]) * pow(10000, -Double(2 * j) / Double(hd))
                        let (i0, i1) = layout == Int32(KVD_ROPE_HALF_SPLIT) ? (j, j + hd / 2) : (2 * j, 2 * j + 1)
                        let a = Double(x[base + i0]), b = Double(x[base + i1])
                        XCTAssertEqual(Double(y[base + i0]), a * cos(angle) - b * sin(angle), accuracy: 1e-4)
                        XCTAssertEqual(Double(y[base + i1]), b * cos(angle) + a * sin(angle), accuracy: 1e-4)
                    }
                }
            }
        }
    }

    func testSwiGLUAndSoftmax() {
        var rng = SeededRandom(seed: 12)
        let g = rng.floats(40, scale: 6), u = rng.floats(40)
        // Every path, rows split over a pool (1000 rows of 40 is enough work to split).
        let pool = CPUThreadPool(threads: 2)
        var gs = rng.floats(40 * 1000, scale: 30), us = rng.floats(40 * 1000)
        gs[0] = 0; gs[1] = 200; gs[2] = -200  // exp's clamps
        for path in CPUKernelPath.allCases.filter(\.isSupported) {
            var out = [Float](repeating: 0, count: 40)
            kvd_swiglu(nil, path.rawValue, g, u, &out, 1, 40)
            for i in 0..<40 { XCTAssertEqual(out[i], g[i] / (1 + exp(-g[i])) * u[i], accuracy: 1e-5, "\(path)") }
            var big = [Float](repeating: 0, count: gs.count)
            kvd_swiglu(pool.raw, path.rawValue, gs, us, &big, 1000, 40)
            for i in 0..<gs.count {
                let e = Double(gs[i]) / (1 + exp(-Double(gs[i]))) * Double(us[i])
                XCTAssertEqual(Double(big[i]), e, accuracy: 1e-5 * max(1, abs(e)), "\(path) \(i)")
            }
        }

        var s = rng.floats(30, scale: 20)
        let m = s.max()!
        let e = s.map { exp(Double($0 - m)) }
        let total = e.reduce(0, +)
        kvd_softmax(&s, 30)
        for i in 0..<30 { XCTAssertEqual(Double(s[i]), e[i] / total, accuracy: 1e-6) }
    }

    func testQuantizingOnThePoolMatchesTheCaller() {
        var rng = SeededRandom(seed: 15)
        let pool = CPUThreadPool(threads: 2)
        let n = 96, ntok = 300
        var x = rng.floats(n * ntok, scale: 5)
        for i in 0..<32 { x[i] = 0 }  // a block of zeros: scale 0
        for wide in [Int32(KVD_XQ_NARROW), Int32(KVD_XQ_WIDE), Int32(KVD_XQ_WIDE_GROUPED)] {
            let bytes = kvd_xq_bytes(Int32(ntok), Int32(n), wide)
            var a = [UInt8](repeating: 0, count: bytes)
            a.withUnsafeMutableBytes { kvd_quantize_rows(x, Int32(ntok), Int32(n), wide, $0.baseAddress) }
            // Every path's SIMD code, on the pool and on the caller, writes the plain code's bytes.
            for path in CPUKernelPath.allCases where path.isSupported {
                for p in [pool.raw, nil] {
                    var b = [UInt8](repeating: 0, count: bytes)
                    b.withUnsafeMutableBytes { kvd_quantize_rows_parallel(p, path.rawValue, x, Int32(ntok), Int32(n), wide, $0.baseAddress) }
                    XCTAssertEqual(a, b, "\(path) wide \(wide)")
                }
            }
            var y = [Float](repeating: 0, count: n * ntok), z = y
            let w = rng.floats(n)
            kvd_rmsnorm(nil, x, w, &y, Int32(ntok), Int32(n), 1e-6)
            kvd_rmsnorm(pool.raw, x, w, &z, Int32(ntok), Int32(n), 1e-6)
            XCTAssertEqual(y, z)
        }
    }

    /// RMSNorm fused with quantising its output (one pool job) writes the same floats and bytes as
    /// the separate calls, on the pool and on the caller (SwiGLU's fusion: GatedMatmulTests).
    func testFusedQuantizingMatchesTheSeparateCalls() {
        var rng = SeededRandom(seed: 17)
        let pool = CPUThreadPool(threads: 2)
        let n = 96, rows = 300
        let x = rng.floats(n * rows, scale: 5), w = rng.floats(n)
        for wide in [Int32(KVD_XQ_NARROW), Int32(KVD_XQ_WIDE), Int32(KVD_XQ_WIDE_GROUPED)] {
            let bytes = kvd_xq_bytes(Int32(rows), Int32(n), wide)
            for path in CPUKernelPath.allCases where path.isSupported {
                for p in [pool.raw, nil] {
                    var normed = [Float](repeating: 0, count: n * rows), expectedQ = [UInt8](repeating: 0, count: bytes)
                    kvd_rmsnorm(nil, x, w, &normed, Int32(rows), Int32(n), 1e-6)
                    expectedQ.withUnsafeMutableBytes { kvd_quantize_rows(normed, Int32(rows), Int32(n), wide, $0.baseAddress) }
                    var out = [Float](repeating: 0, count: n * rows), q = [UInt8](repeating: 0, count: bytes)
                    q.withUnsafeMutableBytes { kvd_rmsnorm_quantize(p, path.rawValue, x, w, &out, Int32(rows), Int32(n), 1e-6, wide, $0.baseAddress) }
                    XCTAssertEqual(out, normed, "rmsnorm \(path)")
                    XCTAssertEqual(q, expectedQ, "rmsnorm then quantize \(path) wide \(wide)")
                }
            }
        }
    }

    func testEmbeddingRowsForEveryType() {
        var rng = SeededRandom(seed: 13)
        let dim = 64, vocab = 5
        for type in TestWeights.types {
            let table = TestWeights.bytes(type: type, nin: dim, nout: vocab, rng: &rng)
            let ids: [Int32] = [4, 0, 2]
            var out = [Float](repeating: 0, count: ids.count * dim)
            table.withUnsafeBytes { kvd_embed(Int32(type.rawValue), $0.baseAddress, Int32(dim), ids, Int32(ids.count), &out) }
            for (i, id) in ids.enumerated() {
                XCTAssertEqual(Array(out[(i * dim)..<((i + 1) * dim)]), TestWeights.dequantize(type: type, bytes: table, nin: dim, row: Int(id)), type.name)
            }
        }
    }

    /// GQA 9 query heads over 3 KV heads (the default model), blocks in a scrambled order,
    /// contexts that end inside, at and just past a block boundary; 16-token blocks (one vector
    /// of keys), 5 (a partial vector) and 24 (one and a half); float32 and half caches.
    func testPagedAttentionEveryPathMatchesTheDefinition() {
        for format in CPUKVCacheFormat.allCases {
            for bs in [16, 5, 24] { checkPagedAttention(blockSize: bs, format: format) }
        }
    }

    private func checkPagedAttention(blockSize bs: Int, format: CPUKVCacheFormat) {
        var rng = SeededRandom(seed: 14)
        let heads = 9, kvHeads = 3, hd = 64, blocks = 12
        var shape = kvd_attn_shape(num_heads: Int32(heads), num_kv_heads: Int32(kvHeads), head_dim: Int32(hd),
                                   block_size: Int32(bs), num_blocks: Int32(blocks), scale: 1 / Float(hd).squareRoot(),
                                   kv_type: format.kernelType)
        // NaN in every element: reading an unwritten slot shows.
        let nan: [UInt8] = format == .float32 ? [0x00, 0x00, 0xc0, 0x7f] : [0x00, 0x7e]
        var kCache = [UInt8]((0..<(blocks * kvHeads * bs * hd)).map { _ in nan }.joined())
        var vCache = kCache
        // One sequence of 40 tokens stored through the cache's own store kernel, split over 2 threads.
        let pool = CPUThreadPool(threads: 2)
        let len = 40
        let table = (0..<((len + bs - 1) / bs)).map { Int32((7 + 5 * $0) % blocks) }  // distinct, scrambled
        var k = rng.floats(len * kvHeads * hd)
        let v = rng.floats(len * kvHeads * hd)
        let slots = (0..<len).map { table[$0 / bs] * Int32(bs) + Int32($0 % bs) }
        kCache.withUnsafeMutableBytes { kc in
            vCache.withUnsafeMutableBytes { vc in
                storeKV(pool, &shape, kc.baseAddress!, vc.baseAddress!, &k, v, ld: kvHeads * hd, slots: slots, rope: nil)
            }
        }
        // What the cache holds: half rounds each value to nearest even.
        let stored = { (x: [Float]) in format == .float32 ? x : x.map { Float(Float16($0)) } }
        let ks = stored(k), vs = stored(v)

        let contexts: [Int32] = [1, 15, 16, 17, 33, 40]
        let q = rng.floats(contexts.count * heads * hd, scale: 3)
        let offsets = [Int32](repeating: 0, count: contexts.count)
        var expected = [Float](repeating: 0, count: contexts.count * heads * hd)
        for (t, n) in contexts.enumerated() {
            for h in 0..<heads {
                let kv = h / (heads / kvHeads)
                let qh = Array(q[((t * heads + h) * hd)..<((t * heads + h + 1) * hd)])
                let scores = (0..<Int(n)).map { p -> Double in
                    (0..<hd).reduce(0.0) { $0 + Double(qh[$1]) * Double(ks[(p * kvHeads + kv) * hd + $1]) } / Double(hd).squareRoot()
                }
                let m = scores.max()!
                let w = scores.map { exp($0 - m) }
                let total = w.reduce(0, +)
                for i in 0..<hd {
                    expected[(t * heads + h) * hd + i] = Float((0..<Int(n)).reduce(0.0) { $0 + w[$1] * Double(vs[($1 * kvHeads + kv) * hd + i]) } / total)
                }
            }
        }
        let row = heads * hd
        // The output also quantised by the attention tasks, in the formats the runner asks for.
        for (path, wide) in CPUKernelPath.allCases.filter(\.isSupported).flatMap({ p in [Int32(KVD_XQ_WIDE), Int32(KVD_XQ_WIDE_GROUPED)].map { (p, $0) } }) {
            let name = "\(path) block size \(bs) \(format) activations \(wide)"
            var out = [Float](repeating: 0, count: expected.count)
            var xq = [UInt8](repeating: 0, count: kvd_xq_bytes(Int32(contexts.count), Int32(row), wide))
            let rc = xq.withUnsafeMutableBytes {
                kvd_attention(pool.raw, path.rawValue, &shape, &kCache, &vCache, q, Int32(row), &out, Int32(row),
                              Int32(contexts.count), contexts, table, offsets, wide, $0.baseAddress, nil)
            }
            XCTAssertEqual(rc, 0)
            XCTAssertLessThan(maxAbsDifference(out, expected), 2e-5, name)
            XCTAssertEqual(xq, quantizedActivations(out, ntok: contexts.count, n: row, format: wide), name + ": quantised with the attention")
            // One token alone: the pool splits its head groups into single heads.
            let last = contexts.count - 1
            var one = [Float](repeating: 0, count: row), oneQ = [UInt8](repeating: 0, count: kvd_xq_bytes(1, Int32(row), wide))
            let rc1 = oneQ.withUnsafeMutableBytes {
                kvd_attention(pool.raw, path.rawValue, &shape, &kCache, &vCache, Array(q[(last * row)...]), Int32(row), &one, Int32(row),
                              1, [contexts[last]], table, [0], wide, $0.baseAddress, nil)
            }
            XCTAssertEqual(rc1, 0)
            XCTAssertEqual(one, Array(out[(last * row)...]), name + ": a token alone gives what it gives in a batch")
            XCTAssertEqual(oneQ, quantizedActivations(one, ntok: 1, n: row, format: wide), name + ": quantised alone as in a batch")
        }
    }

    /// kvd_kv_store with a rotation rotates q and k exactly as kvd_rope does, and stores the
    /// rotated k: the same cache bytes as kvd_rope then a plain store, for both pair layouts.
    func testStoreWithRotationEqualsRopeThenStore() {
        var rng = SeededRandom(seed: 18)
        let heads = 9, kvHeads = 3, hd = 64, bs = 16, blocks = 4, ntok = 40
        var shape = kvd_attn_shape(num_heads: Int32(heads), num_kv_heads: Int32(kvHeads), head_dim: Int32(hd), block_size: Int32(bs),
                                   num_blocks: Int32(blocks), scale: 1, kv_type: CPUKVCacheFormat.float16.kernelType)
        let positions = (0..<ntok).map { Int32(3 * $0 + 1) }
        let invFreq = (0..<(hd / 2)).map { Float(pow(10000.0, -2.0 * Double($0) / Double(hd))) }
        var cs = [Float](repeating: 0, count: ntok * hd / 2), sn = cs
        kvd_rope_table(positions, Int32(ntok), Int32(hd), invFreq, 1, &cs, &sn)
        let q0 = rng.floats(ntok * heads * hd), k0 = rng.floats(ntok * kvHeads * hd), v = rng.floats(ntok * kvHeads * hd)
        let slots = (0..<ntok).map { Int32(($0 * 7) % (blocks * bs)) }  // scattered, distinct
        let pool = CPUThreadPool(threads: 2)
        for layout in [Int32(KVD_ROPE_HALF_SPLIT), Int32(KVD_ROPE_ADJACENT_PAIRS)] {
            var qe = q0, ke = k0
            kvd_rope(&qe, Int32(ntok), Int32(heads * hd), Int32(heads), Int32(hd), cs, sn, layout)
            kvd_rope(&ke, Int32(ntok), Int32(kvHeads * hd), Int32(kvHeads), Int32(hd), cs, sn, layout)
            let bytes = blocks * kvHeads * bs * hd * 2
            var kcE = [UInt8](repeating: 0, count: bytes), vcE = kcE, kc = kcE, vc = kcE
            storeKV(nil, &shape, &kcE, &vcE, &ke, v, ld: kvHeads * hd, slots: slots, rope: nil)
            var q = q0, k = k0
            q.withUnsafeMutableBufferPointer { qp in
                var rope = kvd_kv_rope(q: qp.baseAddress, ldq: Int32(heads * hd), cos: cs, sin: sn, layout: layout)
                storeKV(pool, &shape, &kc, &vc, &k, v, ld: kvHeads * hd, slots: slots, rope: &rope)
            }
            XCTAssertEqual(q, qe, "q, layout \(layout)")
            XCTAssertEqual(k, ke, "k, layout \(layout)")
            XCTAssertEqual(kc, kcE, "K cache, layout \(layout)")
            XCTAssertEqual(vc, vcE, "V cache, layout \(layout)")
            XCTAssertNotEqual(q, q0, "the rotation moved q")
        }
    }

    /// A decode step (one token per sequence) stored by the attention tasks themselves gives the
    /// same cache, rotated q and output as storing first; so does every fallback (a lone token,
    /// whose group is split across tasks; tokens sharing a sequence).
    func testAttentionStoringTheStepsKVEqualsStoringFirst() {
        var rng = SeededRandom(seed: 19)
        let heads = 9, kvHeads = 3, hd = 64, bs = 16, perSeq = 3
        let positions = [Int32]([0, 15, 16, 17, 40, 5, 31, 2, 33, 20, 9, 47])  // the new token's position
        let seqs = positions.count, blocks = seqs * perSeq
        var shape = kvd_attn_shape(num_heads: Int32(heads), num_kv_heads: Int32(kvHeads), head_dim: Int32(hd), block_size: Int32(bs),
                                   num_blocks: Int32(blocks), scale: 1 / Float(hd).squareRoot(), kv_type: CPUKVCacheFormat.float16.kernelType)
        // Sequence i owns blocks i, seqs + i, 2 seqs + i (scattered); its earlier positions hold random keys.
        let tables = (0..<seqs).flatMap { i in (0..<perSeq).map { Int32($0 * seqs + i) } }
        let cacheBytes = blocks * kvHeads * bs * hd * 2
        var kc0 = [UInt8](repeating: 0, count: cacheBytes), vc0 = kc0
        for i in 0..<cacheBytes { kc0[i] = UInt8(truncatingIfNeeded: rng.next() & 0x3b); vc0[i] = UInt8(truncatingIfNeeded: rng.next() & 0x3b) }
        let invFreq = (0..<(hd / 2)).map { Float(pow(10000.0, -2.0 * Double($0) / Double(hd))) }
        let pool = CPUThreadPool(threads: 2)
        // (tokens, one token per sequence): a decode batch; one token (its group split over tasks);
        // the same tokens declared as sharing sequences.
        for (count, decode) in [(seqs, true), (1, true), (seqs, false)] {
            let pos = Array(positions.prefix(count))
            var cs = [Float](repeating: 0, count: count * hd / 2), sn = cs
            kvd_rope_table(pos, Int32(count), Int32(hd), invFreq, 1, &cs, &sn)
            let q0 = rng.floats(count * heads * hd), k0 = rng.floats(count * kvHeads * hd), v = rng.floats(count * kvHeads * hd)
            let slots = pos.enumerated().map { tables[$0.offset * perSeq + Int($0.element) / bs] * Int32(bs) + $0.element % Int32(bs) }
            let ctx = pos.map { $0 + 1 }, offsets = (0..<count).map { Int32($0 * perSeq) }
            var results: [([UInt8], [UInt8], [Float], [Float])] = []
            for fused in [false, true] {
                var kc = kc0, vc = vc0, q = q0, k = k0, out = [Float](repeating: .nan, count: count * heads * hd)
                q.withUnsafeMutableBufferPointer { qp in
                    var rope = kvd_kv_rope(q: qp.baseAddress, ldq: Int32(heads * hd), cos: cs, sin: sn,
                                           layout: Int32(KVD_ROPE_HALF_SPLIT))
                    if !fused { storeKV(pool, &shape, &kc, &vc, &k, v, ld: kvHeads * hd, slots: slots, rope: &rope) }
                    k.withUnsafeMutableBufferPointer { kp in
                        slots.withUnsafeBufferPointer { sp in
                            withUnsafePointer(to: &rope) { rp in
                                var write = kvd_kv_write(k: kp.baseAddress, v: v, ld: Int32(kvHeads * hd), slots: sp.baseAddress, rope: rp,
                                                         one_token_per_sequence: decode ? 1 : 0)
                                let rc = fused
                                    ? kvd_attention(pool.raw, CPUKernelPath.best.rawValue, &shape, &kc, &vc, qp.baseAddress, Int32(heads * hd),
                                                    &out, Int32(heads * hd), Int32(count), ctx, tables, offsets, 1, nil, &write)
                                    : kvd_attention(pool.raw, CPUKernelPath.best.rawValue, &shape, &kc, &vc, qp.baseAddress, Int32(heads * hd),
                                                    &out, Int32(heads * hd), Int32(count), ctx, tables, offsets, 1, nil, nil)
                                XCTAssertEqual(rc, 0)
                            }
                        }
                    }
                }
                results.append((kc, vc, q, out))
            }
            let name = "\(count) tokens, one per sequence: \(decode)"
            XCTAssertEqual(results[1].0, results[0].0, "K cache, " + name)
            XCTAssertEqual(results[1].1, results[0].1, "V cache, " + name)
            XCTAssertEqual(results[1].2, results[0].2, "rotated q, " + name)
            XCTAssertEqual(results[1].3, results[0].3, "output, " + name)
            XCTAssertNotEqual(results[1].0, kc0, "the step's K was stored, " + name)
            XCTAssertFalse(results[1].3.contains { $0.isNaN }, "every output written, " + name)
        }
    }

    /// The half cache rounds to nearest even exactly as IEEE conversion does (Swift's Float16):
    /// ties, subnormals, the largest half, overflow to infinity, signed zero, NaN.
    func testHalfCacheStoresValuesRoundedToNearestEven() {
        var rng = SeededRandom(seed: 16)
        var values: [Float] = [0, -0.0, 1, 1 + 0x1p-11, 1 + 3 * 0x1p-11, -2.5, 0x1p-24, 0x1p-25, 0x1.8p-24, 3e-8, 6.1e-5,
                               65504, 65519.99, 65520, 1e6, -.infinity, .infinity, .nan, 0x1.ffep-15]
        values += rng.floats(64, scale: 1000) + rng.floats(64, scale: 1e-5)
        let n = values.count
        var shape = kvd_attn_shape(num_heads: 1, num_kv_heads: 1, head_dim: Int32(n), block_size: 1, num_blocks: 1,
                                   scale: 1, kv_type: CPUKVCacheFormat.float16.kernelType)
        var kc = [UInt16](repeating: 0, count: n), vc = kc
        var k = values
        storeKV(nil, &shape, &kc, &vc, &k, values, ld: n, slots: [0], rope: nil)
        for (i, x) in values.enumerated() {
            if x.isNaN {
                XCTAssertTrue(Float16(bitPattern: kc[i]).isNaN && Float16(bitPattern: vc[i]).isNaN, "NaN stays NaN")
            } else {
                XCTAssertEqual(kc[i], Float16(x).bitPattern, "K \(x)")
                XCTAssertEqual(vc[i], Float16(x).bitPattern, "V \(x)")
            }
        }
    }

    func testAttentionRefusesShapesOutsideItsLimits() {
        var shape = kvd_attn_shape(num_heads: 9, num_kv_heads: 2, head_dim: 64, block_size: 16, num_blocks: 1, scale: 1, kv_type: 0)
        XCTAssertEqual(kvd_attn_shape_valid(&shape), 0, "9 heads do not divide over 2 KV heads")
        shape = kvd_attn_shape(num_heads: 4, num_kv_heads: 2, head_dim: 512, block_size: 16, num_blocks: 1, scale: 1, kv_type: 0)
        XCTAssertEqual(kvd_attn_shape_valid(&shape), 0)
        shape = kvd_attn_shape(num_heads: 4, num_kv_heads: 2, head_dim: 64, block_size: 16, num_blocks: 1, scale: 1, kv_type: 7)
        XCTAssertEqual(kvd_attn_shape_valid(&shape), 0, "an unknown cache element type")
    }

    /// Many small jobs in a row, as a forward pass issues them: every task runs exactly once, and
    /// kvd_pool_run returns only when all of them have finished.
    func testThreadPoolRunsEveryTaskOnce() {
        let pool = CPUThreadPool(threads: 3)
        XCTAssertEqual(pool.threadCount, 3)
        let n = 257
        var counts = [Int32](repeating: 0, count: n), running = [Int32](repeating: 0, count: n)
        var unfinished = 0
        counts.withUnsafeMutableBufferPointer { c in
            for job in 0..<500 {
                let tasks = 1 + job % n
                kvd_pool_run(pool.raw, Int32(tasks), { ctx, task, _ in
                    // Some work before the count, so a caller that did not wait would see it missing.
                    var spin: UInt64 = 0
                    for k in 0..<UInt64(300) { spin = spin &* 31 &+ k }
                    let p = ctx!.assumingMemoryBound(to: Int32.self)
                    p[Int(task)] += spin == 1 ? 2 : 1  // each index belongs to one task: no race
                }, c.baseAddress)
                for i in 0..<tasks { running[i] += 1 }
                unfinished += (0..<tasks).filter { c[$0] != running[$0] }.count
            }
        }
        XCTAssertEqual(unfinished, 0, "tasks still running when kvd_pool_run returned")
        for i in 0..<n {
            // Index i runs in every job with more than i tasks.
            let expected = (0..<500).filter { 1 + $0 % n > i }.count
            XCTAssertEqual(Int(counts[i]), expected, "task \(i)")
        }
    }
}

/// kvd_kv_store on Swift arrays: a pass's K and V (k rotated in place with rope) into the caches.
private func storeKV(_ pool: CPUThreadPool?, _ shape: inout kvd_attn_shape, _ kc: UnsafeMutableRawPointer, _ vc: UnsafeMutableRawPointer,
                     _ k: inout [Float], _ v: [Float], ld: Int, slots: [Int32], rope: UnsafePointer<kvd_kv_rope>?) {
    k.withUnsafeMutableBufferPointer { kp in
        slots.withUnsafeBufferPointer { sp in
            var write = kvd_kv_write(k: kp.baseAddress, v: v, ld: Int32(ld), slots: sp.baseAddress, rope: rope, one_token_per_sequence: 0)
            kvd_kv_store(pool?.raw, &shape, kc, vc, &write, Int32(slots.count))
        }
    }
}
