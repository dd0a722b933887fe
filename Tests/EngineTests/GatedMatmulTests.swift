import CKernels
import XCTest
@testable import Engine

/// kvd_matmul_swiglu (the FFN's gate and up products, SwiGLU and quantising in one job) against
/// the separate calls it replaces: kvd_matmul of each, kvd_swiglu, kvd_quantize_rows.
final class GatedMatmulTests: XCTestCase {
    private struct Case {
        let path: CPUKernelPath
        let type: GGMLType
        let arithmetic: CPUArithmetic
        let packed: Bool
    }

    func testGatedProductEqualsTheSeparateCalls() {
        var rng = SeededRandom(seed: 31)
        let nin = 64, nout = 96  // 3 blocks of the result: row chunks of 32 on 2 threads
        var cases: [Case] = []
        for path in CPUKernelPath.allCases where path.isSupported {
            for type in [GGMLType.q4_1, .q8_0, .f16] {
                for arithmetic in CPUArithmetic.allCases { cases.append(Case(path: path, type: type, arithmetic: arithmetic, packed: false)) }
            }
        }
        if CPUKernelPath.avx512.isSupported {
            for type in [GGMLType.q4_1, .q8_0] { cases.append(Case(path: .avx512, type: type, arithmetic: .int16Activations, packed: true)) }
        }
        let pool = CPUThreadPool(threads: 2)
        for c in cases {
            let gw = TestWeights.bytes(type: c.type, nin: nin, nout: nout, rng: &rng)
            let uw = TestWeights.bytes(type: c.type, nin: nin, nout: nout, rng: &rng)
            for ntok in [1, 3, 70] {  // 70: two token chunks of a task
                let x = rng.floats(nin * ntok, scale: 2)
                let g = runMatmul(path: c.path, type: c.type, weights: gw, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: c.arithmetic, packed: c.packed)
                let u = runMatmul(path: c.path, type: c.type, weights: uw, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: c.arithmetic, packed: c.packed)
                var expected = [Float](repeating: 0, count: ntok * nout)
                kvd_swiglu(nil, c.path.rawValue, g, u, &expected, Int32(ntok), Int32(nout))
                let quantized = c.arithmetic.quantizes && c.type.blockElements == 32
                let wide = activationFormat(c.arithmetic, packed: c.packed)
                let expectedQ = quantized ? quantizedActivations(expected, ntok: ntok, n: nout, format: wide) : []
                for p in [pool, nil] {
                    let (out, q) = runGated(c, gate: gw, up: uw, nin: nin, nout: nout, x: x, ntok: ntok, pool: p)
                    let name = "\(c.path) \(c.type.name) \(c.arithmetic) packed \(c.packed) tokens \(ntok) pool \(p != nil)"
                    XCTAssertEqual(out, expected, name)
                    if quantized { XCTAssertEqual(q, expectedQ, "quantised " + name) }
                }
            }
        }
    }

    func testMismatchedOrUnsupportedArgumentsAreRefused() {
        var rng = SeededRandom(seed: 32)
        let nin = 64
        let w = TestWeights.bytes(type: .q4_1, nin: nin, nout: 64, rng: &rng)
        let x = rng.floats(nin)
        var xq = [UInt8](repeating: 0, count: Int(kvd_qrow_bytes(Int32(nin), 1)))
        xq.withUnsafeMutableBytes { kvd_quantize_rows(x, 1, Int32(nin), 1, $0.baseAddress) }
        var y0 = [Float](repeating: 0, count: 64), y1 = y0, out = [UInt8](repeating: 0, count: 4096)
        func call(_ gateRows: Int32, _ upRows: Int32, accumulate: Int32 = 0) -> Int32 {
            w.withUnsafeBytes { wp in y0.withUnsafeMutableBufferPointer { g in y1.withUnsafeMutableBufferPointer { u in
                xq.withUnsafeBytes { q in out.withUnsafeMutableBytes { o in
                    var gate = kvd_linear(type: Int32(GGMLType.q4_1.rawValue), w: wp.baseAddress, nin: Int32(nin), nout: gateRows,
                                          y: g.baseAddress, ldy: 64, bias: nil, accumulate: accumulate)
                    var up = kvd_linear(type: Int32(GGMLType.q4_1.rawValue), w: wp.baseAddress, nin: Int32(nin), nout: upRows,
                                        y: u.baseAddress, ldy: 64, bias: nil, accumulate: 0)
                    return kvd_matmul_swiglu(nil, CPUKernelPath.reference.rawValue, &gate, &up, x, q.baseAddress, 1, 1, o.baseAddress)
                }}
            }}}
        }
        XCTAssertEqual(call(64, 64), 0)
        XCTAssertEqual(call(64, 32), -1, "gate and up of different shapes")
        XCTAssertEqual(call(64, 64, accumulate: 1), -1, "an accumulating gate")
        XCTAssertEqual(call(40, 40), -1, "a quantised result of 40 values is not whole blocks")
    }

    /// kvd_matmul_swiglu on Swift arrays: the SwiGLU result and its quantised bytes.
    private func runGated(_ c: Case, gate: [UInt8], up: [UInt8], nin: Int, nout: Int, x: [Float], ntok: Int,
                          pool: CPUThreadPool?) -> ([Float], [UInt8]) {
        let gw = c.packed ? pack(type: c.type, weights: gate, nin: nin, nout: nout) : gate
        let uw = c.packed ? pack(type: c.type, weights: up, nin: nin, nout: nout) : up
        let wide = activationFormat(c.arithmetic, packed: c.packed)
        let quantized = c.arithmetic.quantizes && c.type.blockElements == 32
        let xq = quantized ? quantizedActivations(x, ntok: ntok, n: nin, format: wide) : [0]
        var g = [Float](repeating: .nan, count: ntok * nout), u = g
        var q = [UInt8](repeating: 0, count: quantized ? kvd_xq_bytes(Int32(ntok), Int32(nout), wide) : 0)
        let type = Int32(c.type.rawValue) | (c.packed ? KVD_PACKED : 0)
        let rc = gw.withUnsafeBytes { gp in uw.withUnsafeBytes { up in
            g.withUnsafeMutableBufferPointer { gy in u.withUnsafeMutableBufferPointer { uy in
                xq.withUnsafeBytes { xqp in q.withUnsafeMutableBytes { qp in
                    var gate = kvd_linear(type: type, w: gp.baseAddress, nin: Int32(nin), nout: Int32(nout), y: gy.baseAddress,
                                          ldy: Int32(nout), bias: nil, accumulate: 0)
                    var upl = kvd_linear(type: type, w: up.baseAddress, nin: Int32(nin), nout: Int32(nout), y: uy.baseAddress,
                                         ldy: Int32(nout), bias: nil, accumulate: 0)
                    return kvd_matmul_swiglu(pool?.raw, c.path.rawValue, &gate, &upl, x, quantized ? xqp.baseAddress : nil, wide,
                                             Int32(ntok), quantized ? qp.baseAddress : nil)
                }}
            }}
        }}
        precondition(rc == 0, "kvd_matmul_swiglu refused its arguments")
        return (g, q)
    }
}
