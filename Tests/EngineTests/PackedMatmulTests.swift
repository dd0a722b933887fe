import CKernels
import XCTest
@testable import Engine

/// The AVX-512 kernel over repacked weights (kvd_pack_weights) against the plain C reference on
/// the same GGUF bytes, with int16 activations. Shapes cover a row count that is not a whole tile
/// of 16 (padding rows), an odd number of blocks (the wide row's unpaired last block), every
/// token remainder of the 8-token register tile, more than 64 tokens (the token split across
/// tasks), bias, accumulation, and one call with several outputs.
final class PackedMatmulTests: XCTestCase {
    static let types: [GGMLType] = [.q8_0, .q4_0, .q4_1]

    override func setUpWithError() throws {
        guard CPUKernelPath.avx512.isSupported else { throw XCTSkip("this CPU has no AVX-512 VNNI") }
    }

    func testPackedWeightsMatchTheReference() {
        var rng = SeededRandom(seed: 11)
        let pool = CPUThreadPool(threads: 2)
        for type in Self.types {
            for (nin, nout, ntok) in [(32, 1, 1), (96, 37, 1), (96, 37, 5), (608, 50, 13), (64, 16, 70), (576, 48, 3)] {
                let w = TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)
                let x = rng.floats(nin * ntok)
                let ref = runMatmul(path: .reference, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok,
                                    arithmetic: .int16Activations)
                let y = runMatmul(path: .avx512, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok,
                                  arithmetic: .int16Activations, packed: true, pool: pool)
                let scale = ref.map { abs($0) }.max() ?? 1
                XCTAssertLessThan(maxAbsDifference(y, ref), 2e-6 * max(scale, 1) * Float(nin).squareRoot(),
                                  "\(type.name) nin \(nin) nout \(nout) ntok \(ntok)")
            }
        }
    }

    func testBiasAndAccumulateOnPackedWeights() {
        var rng = SeededRandom(seed: 12)
        let nin = 160, nout = 21, ntok = 9
        for type in Self.types {
            let w = TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)
            let x = rng.floats(nin * ntok)
            let bias = rng.floats(nout), initial = rng.floats(nout * ntok)
            let ref = runMatmul(path: .reference, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok,
                                arithmetic: .int16Activations, bias: bias, initial: initial)
            let y = runMatmul(path: .avx512, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok,
                              arithmetic: .int16Activations, bias: bias, initial: initial, packed: true)
            XCTAssertLessThan(maxAbsDifference(y, ref), 1e-4, type.name)
        }
    }

    /// A token's result must not depend on its neighbours (register tile of 8 or a remainder).
    func testTokensGiveTheSameResultAloneAndBatched() {
        var rng = SeededRandom(seed: 13)
        let nin = 128, nout = 20, ntok = 11
        for type in Self.types {
            let w = TestWeights.bytes(type: type, nin: nin, nout: nout, rng: &rng)
            let x = rng.floats(nin * ntok)
            let all = runMatmul(path: .avx512, type: type, weights: w, nin: nin, nout: nout, x: x, ntok: ntok,
                                arithmetic: .int16Activations, packed: true)
            for t in 0..<ntok {
                let one = runMatmul(path: .avx512, type: type, weights: w, nin: nin, nout: nout,
                                    x: Array(x[(t * nin)..<((t + 1) * nin)]), ntok: 1, arithmetic: .int16Activations, packed: true)
                XCTAssertEqual(one, Array(all[(t * nout)..<((t + 1) * nout)]), "\(type.name) token \(t)")
            }
        }
    }

    func testSeveralPackedOutputsInOneCall() {
        var rng = SeededRandom(seed: 14)
        let nin = 64, ntok = 4
        let shapes: [(GGMLType, Int)] = [(.q4_1, 40), (.q8_0, 16), (.q4_0, 8)]
        let ws = shapes.map { TestWeights.bytes(type: $0.0, nin: nin, nout: $0.1, rng: &rng) }
        let packed = zip(shapes, ws).map { pack(type: $0.0, weights: $1, nin: nin, nout: $0.1) }
        let x = rng.floats(nin * ntok)
        let xq = quantizedActivations(x, ntok: ntok, n: nin, format: Int32(KVD_XQ_WIDE_GROUPED))
        var ys0 = [Float](repeating: .nan, count: 40 * ntok), ys1 = [Float](repeating: .nan, count: 16 * ntok)
        var ys2 = [Float](repeating: .nan, count: 8 * ntok)
        let pool = CPUThreadPool(threads: 2)
        let rc = packed[0].withUnsafeBytes { w0 in packed[1].withUnsafeBytes { w1 in packed[2].withUnsafeBytes { w2 in
            ys0.withUnsafeMutableBufferPointer { y0 in ys1.withUnsafeMutableBufferPointer { y1 in ys2.withUnsafeMutableBufferPointer { y2 in
                var outs = [
                    kvd_linear(type: Int32(GGMLType.q4_1.rawValue) | KVD_PACKED, w: w0.baseAddress, nin: Int32(nin), nout: 40, y: y0.baseAddress, ldy: 40, bias: nil, accumulate: 0),
                    kvd_linear(type: Int32(GGMLType.q8_0.rawValue) | KVD_PACKED, w: w1.baseAddress, nin: Int32(nin), nout: 16, y: y1.baseAddress, ldy: 16, bias: nil, accumulate: 0),
                    kvd_linear(type: Int32(GGMLType.q4_0.rawValue) | KVD_PACKED, w: w2.baseAddress, nin: Int32(nin), nout: 8, y: y2.baseAddress, ldy: 8, bias: nil, accumulate: 0),
                ]
                return xq.withUnsafeBytes { kvd_matmul(pool.raw, CPUKernelPath.avx512.rawValue, &outs, 3, x, $0.baseAddress, Int32(KVD_XQ_WIDE_GROUPED), Int32(ntok)) }
            }}}
        }}}
        XCTAssertEqual(rc, 0)
        let ys = [ys0, ys1, ys2]
        for (i, (type, nout)) in shapes.enumerated() {
            let ref = runMatmul(path: .reference, type: type, weights: ws[i], nin: nin, nout: nout, x: x, ntok: ntok, arithmetic: .int16Activations)
            XCTAssertLessThan(maxAbsDifference(ys[i], ref), 1e-4, type.name)
        }
    }

    func testWhatCannotBePackedIsRefused() {
        XCTAssertEqual(kvd_packed_bytes(Int32(GGMLType.f16.rawValue), 64, 4), 0, "float types are not packed")
        XCTAssertEqual(kvd_packed_bytes(Int32(GGMLType.q4_1.rawValue), 40, 4), 0, "40 values are not whole blocks")
        XCTAssertEqual(kvd_packed_bytes(Int32(GGMLType.q4_1.rawValue), 64, 17), 2 * (2 * 64 + 2 * 256), "two tiles of 16 rows of two blocks")
        var rng = SeededRandom(seed: 15)
        let nin = 64, nout = 16
        let w = pack(type: .q4_1, weights: TestWeights.bytes(type: .q4_1, nin: nin, nout: nout, rng: &rng), nin: nin, nout: nout)
        let x = rng.floats(nin)
        var y = [Float](repeating: 0, count: nout)
        let grouped = Int32(KVD_XQ_WIDE_GROUPED)
        for (path, wide) in [(CPUKernelPath.reference, grouped), (.avx2, grouped), (.avx512, 0), (.avx512, 1)] where path.isSupported {
            let xq = quantizedActivations(x, ntok: 1, n: nin, format: wide)
            let rc = w.withUnsafeBytes { wp in y.withUnsafeMutableBufferPointer { yp in xq.withUnsafeBytes { q in
                var l = kvd_linear(type: Int32(GGMLType.q4_1.rawValue) | KVD_PACKED, w: wp.baseAddress, nin: Int32(nin), nout: Int32(nout),
                                   y: yp.baseAddress, ldy: Int32(nout), bias: nil, accumulate: 0)
                return kvd_matmul(nil, path.rawValue, &l, 1, x, q.baseAddress, wide, 1)
            }}}
            XCTAssertEqual(rc, -1, "packed weights on \(path) with wide \(wide)")
        }
    }
}
