import CKernels
import XCTest
@testable import Engine

/// Every matmul path against the plain C reference, and the reference against a Swift definition,
/// for every weight type, on seeded random data. Shapes cover token tiles of 4 plus remainders,
/// an odd number of blocks (the AVX-512 path takes blocks in pairs) and more than 64 tokens (the
/// token split across tasks).
final class MatmulKernelTests: XCTestCase {
    let paths = CPUKernelPath.allCases.filter(\.isSupported)

    func testReferenceMatchesTheSwiftDefinition() {
        var rng = SeededRandom(seed: 1)
        for type in TestWeights.types {
            let nin = 96, nout = 11, ntok = 3
            let w = TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)
            let x = rng.floats(nin * ntok)
            let y = runMatmul(path: .reference, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: .exact)
            var expected = [Float](repeating: 0, count: ntok * nout)
            for r in 0..<nout {
                let row = TestWeights.dequantize(type: type, bytes: w, nin: nin, row: r)
                for t in 0..<ntok {
                    var s = 0.0
                    for i in 0..<nin { s += Double(row[i]) * Double(x[t * nin + i]) }
                    expected[t * nout + r] = Float(s)
                }
            }
            XCTAssertLessThan(maxAbsDifference(y, expected), 1e-4, type.name)
        }
    }

    func testEveryPathMatchesTheReference() {
        var rng = SeededRandom(seed: 2)
        for type in TestWeights.types {
            for (nin, ntok) in [(608, 1), (608, 7), (64, 70)] {
                let nout = 13
                let w = TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)
                let x = rng.floats(nin * ntok)
                for arithmetic in CPUArithmetic.allCases {
                    let ref = runMatmul(path: .reference, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: arithmetic)
                    let scale = ref.map { abs($0) }.max() ?? 1
                    for path in paths where path != .reference {
                        let y = runMatmul(path: path, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: arithmetic)
                        XCTAssertLessThan(maxAbsDifference(y, ref), 2e-6 * max(scale, 1) * Float(nin).squareRoot(),
                                          "\(type.name) \(path) \(arithmetic) nin \(nin) ntok \(ntok)")
                    }
                }
            }
        }
    }

    /// A token's result must not depend on where it sits in the batch (tile of 4 or remainder).
    func testTokensGiveTheSameResultAloneAndBatched() {
        var rng = SeededRandom(seed: 3)
        let nin = 128, nout = 9, ntok = 6
        for type in TestWeights.types {
            let w = TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)
            let x = rng.floats(nin * ntok)
            for path in paths {
                for arithmetic in CPUArithmetic.allCases {
                    let all = runMatmul(path: path, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: arithmetic)
                    for t in 0..<ntok {
                        let one = runMatmul(path: path, type: type, weights: w, nin: nin, nout: nout,
                                            x: Array(x[(t * nin)..<((t + 1) * nin)]), ntok: 1, arithmetic: arithmetic)
                        XCTAssertEqual(one, Array(all[(t * nout)..<((t + 1) * nout)]), "\(type.name) \(path) \(arithmetic) token \(t)")
                    }
                }
            }
        }
    }

    func testQuantizedArithmeticIsCloseToExact() {
        var rng = SeededRandom(seed: 4)
        let nin = 256, nout = 16, ntok = 4
        for type in [GGMLType.q8_0, .q4_0, .q4_1] {
            let w = TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)
            let x = rng.floats(nin * ntok)
            let exact = runMatmul(path: .reference, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: .exact)
            let scale = exact.map { abs($0) }.max()!
            let q8 = runMatmul(path: .reference, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: .int8Activations)
            let q16 = runMatmul(path: .reference, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: .int16Activations)
            XCTAssertLessThan(maxAbsDifference(q8, exact), 0.02 * scale, type.name)
            // 16-bit activations buy about two more decimal digits.
            XCTAssertLessThan(maxAbsDifference(q16, exact), 2e-4 * scale, type.name)
        }
    }

    func testBiasAccumulateAndSeveralOutputsInOneCall() {
        var rng = SeededRandom(seed: 5)
        let nin = 64, ntok = 5
        let pool = CPUThreadPool(threads: 2)
        for path in paths {
            let shapes = [(GGMLType.q4_1, 24), (.q8_0, 8), (.f16, 8)]
            let ws = shapes.map { TestWeights.bytes(type: $0.0, nin: nin, nout: $0.1, rng: &rng) }
            let x = rng.floats(nin * ntok)
            let bias = rng.floats(24)
            let initial = rng.floats(8 * ntok)
            // One call with three outputs: a biased one, an accumulating one, a plain one.
            var y0 = [Float](repeating: 0, count: 24 * ntok), y1 = initial, y2 = [Float](repeating: 0, count: 8 * ntok)
            let rc = ws[0].withUnsafeBytes { w0 in ws[1].withUnsafeBytes { w1 in ws[2].withUnsafeBytes { w2 in
                y0.withUnsafeMutableBufferPointer { p0 in y1.withUnsafeMutableBufferPointer { p1 in y2.withUnsafeMutableBufferPointer { p2 in
                    bias.withUnsafeBufferPointer { b in
                        var outs = [
                            kvd_linear(type: Int32(GGMLType.q4_1.rawValue), w: w0.baseAddress, nin: Int32(nin), nout: 24, y: p0.baseAddress, ldy: 24, bias: b.baseAddress, accumulate: 0),
                            kvd_linear(type: Int32(GGMLType.q8_0.rawValue), w: w1.baseAddress, nin: Int32(nin), nout: 8, y: p1.baseAddress, ldy: 8, bias: nil, accumulate: 1),
                            kvd_linear(type: Int32(GGMLType.f16.rawValue), w: w2.baseAddress, nin: Int32(nin), nout: 8, y: p2.baseAddress, ldy: 8, bias: nil, accumulate: 0),
                        ]
                        return kvd_matmul(pool.raw, path.rawValue, &outs, 3, x, nil, 0, Int32(ntok))
                    }
                }}}
            }}}
            XCTAssertEqual(rc, 0)
            let e0 = runMatmul(path: .reference, type: .q4_1, weights: ws[0], nin: nin, nout: 24, x: x, ntok: ntok, arithmetic: .exact)
            let e1 = runMatmul(path: .reference, type: .q8_0, weights: ws[1], nin: nin, nout: 8, x: x, ntok: ntok, arithmetic: .exact)
            let e2 = runMatmul(path: .reference, type: .f16, weights: ws[2], nin: nin, nout: 8, x: x, ntok: ntok, arithmetic: .exact)
            XCTAssertLessThan(maxAbsDifference(y0, zip(e0, (0..<(24 * ntok)).map { bias[$0 % 24] }).map { $0 + $1 }), 1e-4, "\(path) bias")
            XCTAssertLessThan(maxAbsDifference(y1, zip(e1, initial).map { $0 + $1 }), 1e-4, "\(path) accumulate")
            XCTAssertLessThan(maxAbsDifference(y2, e2), 1e-4, "\(path) plain")
        }
    }

    func testQuantizedRowsRepresentTheInput() {
        var rng = SeededRandom(seed: 6)
        let n = 96, nb = n / 32, ntok = 10  // 3 blocks: one interleaved pair and an odd last block in wide rows
        var x = rng.floats(n * ntok)
        x[5] = 40  // an outlier, as real activations have
        x[n * 9 + 70] = -25
        for format in [Int32(KVD_XQ_NARROW), Int32(KVD_XQ_WIDE), Int32(KVD_XQ_WIDE_GROUPED)] {
            let buf = quantizedActivations(x, ntok: ntok, n: n, format: format)
            let wide = format != Int32(KVD_XQ_NARROW)
            let row = Int(kvd_qrow_bytes(Int32(n), format)), doff = ((n * (wide ? 2 : 1)) + 63) & ~63
            XCTAssertEqual(buf.count, format == Int32(KVD_XQ_WIDE_GROUPED) ? 2 * nb * 576 : ntok * row, "format \(format) size")
            for t in 0..<ntok {
                for b in 0..<nb {
                    // Byte offsets of the block's value j, its scale and its sum (kvd_matmul.h).
                    let value: (Int) -> Int, scale: Int, sum: Int
                    switch format {
                    case Int32(KVD_XQ_WIDE_GROUPED):
                        let block = (t / 8) * nb * 576 + b * 576, slot = t % 8
                        value = { block + 64 * slot + 2 * $0 }
                        scale = block + 512 + 4 * slot
                        sum = block + 544 + 4 * slot
                    case Int32(KVD_XQ_WIDE):
                        // Blocks 2p, 2p+1 as [2p 0..15, 2p+1 0..15, 2p 16..31, 2p+1 16..31].
                        value = { j in t * row + 2 * (b < nb - nb % 2 ? (b / 2) * 64 + (j / 16) * 32 + (b % 2) * 16 + j % 16 : b * 32 + j) }
                        scale = t * row + doff + 4 * b
                        sum = t * row + doff + 64 + 4 * b
                    default:
                        value = { t * row + b * 32 + $0 }
                        scale = t * row + doff + 4 * b
                        sum = t * row + doff + 64 + 4 * b
                    }
                    let d = buf.withUnsafeBytes { $0.load(fromByteOffset: scale, as: Float.self) }
                    let s = buf.withUnsafeBytes { $0.load(fromByteOffset: sum, as: Float.self) }
                    let xb = x[(t * n + b * 32)..<(t * n + b * 32 + 32)]
                    let amax = xb.map { abs($0) }.max()!
                    var qsum: Float = 0
                    for j in 0..<32 {
                        let q = wide ? Float(buf.withUnsafeBytes { $0.load(fromByteOffset: value(j), as: Int16.self) })
                                     : Float(Int8(bitPattern: buf[value(j)]))
                        qsum += q
                        let bound = amax / (wide ? 32767 : 127) / 2 * 1.0001
                        XCTAssertLessThanOrEqual(abs(d * q - x[t * n + b * 32 + j]), bound, "format \(format) token \(t) element \(b * 32 + j)")
                    }
                    XCTAssertEqual(s, d * qsum, accuracy: abs(d * qsum) * 1e-6, "format \(format) token \(t) block \(b) sum")
                }
            }
        }
    }

    /// The arithmetic ceiling is measured for the vector paths only, for the three kinds of
    /// product; its size is a benchmark figure, never asserted here.
    func testMultiplyAddPeakIsMeasuredOnVectorPathsOnly() {
        let pool = CPUThreadPool(threads: 2)
        XCTAssertEqual(kvd_matmul_peak(pool.raw, CPUKernelPath.reference.rawValue, Int32(KVD_PEAK_INT16), 1), 0)
        for path in [CPUKernelPath.avx2, .avx512] {
            for kind in [KVD_PEAK_INT16, KVD_PEAK_INT8, KVD_PEAK_FLOAT] {
                let rate = kvd_matmul_peak(pool.raw, path.rawValue, Int32(kind), 1)
                if path.isSupported {
                    XCTAssertGreaterThan(rate, 1e8, "\(path) kind \(kind): any vector unit multiply-adds faster than 0.1 G/s")
                } else {
                    XCTAssertEqual(rate, 0, "\(path) is not on this CPU")
                }
            }
            XCTAssertEqual(kvd_matmul_peak(pool.raw, path.rawValue, 7, 1), 0, "unknown kind")
        }
    }

    func testUnsupportedArgumentsAreRefused() {
        var y = [Float](repeating: 0, count: 4)
        let w = [UInt8](repeating: 0, count: 64)
        let x = [Float](repeating: 0, count: 40)
        w.withUnsafeBytes { wp in
            y.withUnsafeMutableBufferPointer { yp in
                var l = kvd_linear(type: 6 /* Q5_0 */, w: wp.baseAddress, nin: 32, nout: 1, y: yp.baseAddress, ldy: 1, bias: nil, accumulate: 0)
                XCTAssertEqual(kvd_matmul(nil, 0, &l, 1, x, nil, 0, 1), -1)
                l = kvd_linear(type: Int32(GGMLType.q4_0.rawValue), w: wp.baseAddress, nin: 40, nout: 1, y: yp.baseAddress, ldy: 1, bias: nil, accumulate: 0)
                XCTAssertEqual(kvd_matmul(nil, 0, &l, 1, x, nil, 0, 1), -1, "40 values are not whole Q4_0 blocks")
                // Wide grouped activations are the packed kernel's alone; 3 is no format.
                let xq = quantizedActivations(x, ntok: 1, n: 32, format: Int32(KVD_XQ_WIDE_GROUPED))
                l = kvd_linear(type: Int32(GGMLType.q4_0.rawValue), w: wp.baseAddress, nin: 32, nout: 1, y: yp.baseAddress, ldy: 1, bias: nil, accumulate: 0)
                for path in CPUKernelPath.allCases where path.isSupported {
                    XCTAssertEqual(xq.withUnsafeBytes { kvd_matmul(nil, path.rawValue, &l, 1, x, $0.baseAddress, Int32(KVD_XQ_WIDE_GROUPED), 1) }, -1,
                                   "grouped activations with unpacked weights on \(path)")
                    XCTAssertEqual(xq.withUnsafeBytes { kvd_matmul(nil, path.rawValue, &l, 1, x, $0.baseAddress, 3, 1) }, -1, "format 3 on \(path)")
                    XCTAssertEqual(xq.withUnsafeBytes { kvd_matmul(nil, path.rawValue, &l, 1, x, $0.baseAddress, Int32(KVD_XQ_WIDE), 1) }, 0, "wide rows on \(path)")
                }
            }
        }
    }
}
