import CKernels
@testable import Engine

/// Random weight rows in every supported GGUF type, and an independent Swift dequantiser, so the
/// C kernels are checked against a definition that does not share their code.
enum TestWeights {
    static let types: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

    static func bytes(type: GGMLType, nin: Int, nout: Int, rng: inout SeededRandom) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: UInt16) { out.append(UInt8(v & 0xff)); out.append(UInt8(v >> 8)) }
        func half(_ f: Float) -> UInt16 { Float16(f).bitPattern }
        for _ in 0..<nout {
            switch type {
            case .f32:
                for _ in 0..<nin { withUnsafeBytes(of: rng.float().bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            case .f16:
                for _ in 0..<nin { u16(half(rng.float())) }
            case .bf16:
                for _ in 0..<nin { u16(UInt16(rng.float().bitPattern >> 16)) }
            case .q8_0:
                for _ in 0..<(nin / 32) {
                    u16(half(abs(rng.float()) * 0.02 + 0.001))
                    // -128 too: a file may hold it even if llama.cpp's quantiser never writes it.
                    for _ in 0..<32 { out.append(UInt8(truncatingIfNeeded: rng.next())) }
                }
            case .q4_0:
                for _ in 0..<(nin / 32) {
                    u16(half(rng.float() * 0.1))
                    for _ in 0..<16 { out.append(UInt8(truncatingIfNeeded: rng.next())) }
                }
            case .q4_1:
                for _ in 0..<(nin / 32) {
                    u16(half(abs(rng.float()) * 0.1))
                    u16(half(rng.float()))
                    for _ in 0..<16 { out.append(UInt8(truncatingIfNeeded: rng.next())) }
                }
            default:
                preconditionFailure("test weights for \(type.name) are not written")
            }
        }
        return out
    }

    /// GGUF's block formats, written out from ggml's definitions (kvd_matmul.h repeats them).
    static func dequantize(type: GGMLType, bytes: [UInt8], nin: Int, row: Int) -> [Float] {
        let rowBytes = type.byteCount(elements: nin)!
        let b = Array(bytes[(row * rowBytes)..<((row + 1) * rowBytes)])
        func u16(_ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
        func half(_ i: Int) -> Float { Float(Float16(bitPattern: u16(i))) }
        var out = [Float](repeating: 0, count: nin)
        switch type {
        case .f32:
            for j in 0..<nin {
                out[j] = Float(bitPattern: UInt32(b[4 * j]) | UInt32(b[4 * j + 1]) << 8 | UInt32(b[4 * j + 2]) << 16 | UInt32(b[4 * j + 3]) << 24)
            }
        case .f16: for j in 0..<nin { out[j] = half(2 * j) }
        case .bf16: for j in 0..<nin { out[j] = Float(bitPattern: UInt32(u16(2 * j)) << 16) }
        case .q8_0:
            for blk in 0..<(nin / 32) {
                let o = blk * 34, d = half(o)
                for j in 0..<32 { out[blk * 32 + j] = d * Float(Int8(bitPattern: b[o + 2 + j])) }
            }
        case .q4_0:
            for blk in 0..<(nin / 32) {
                let o = blk * 18, d = half(o)
                for j in 0..<16 {
                    out[blk * 32 + j] = d * Float(Int(b[o + 2 + j] & 15) - 8)
                    out[blk * 32 + j + 16] = d * Float(Int(b[o + 2 + j] >> 4) - 8)
                }
            }
        case .q4_1:
            for blk in 0..<(nin / 32) {
                let o = blk * 20, d = half(o), m = half(o + 2)
                for j in 0..<16 {
                    out[blk * 32 + j] = d * Float(b[o + 4 + j] & 15) + m
                    out[blk * 32 + j + 16] = d * Float(b[o + 4 + j] >> 4) + m
                }
            }
        default:
            preconditionFailure()
        }
        return out
    }
}

/// GGUF-layout weights repacked for the AVX-512 int16 kernel (kvd_pack_weights).
func pack(type: GGMLType, weights: [UInt8], nin: Int, nout: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0xee, count: kvd_packed_bytes(Int32(type.rawValue), Int32(nin), Int32(nout)))
    let rc = weights.withUnsafeBytes { w in
        out.withUnsafeMutableBytes { kvd_pack_weights(Int32(type.rawValue), w.baseAddress, Int32(nin), Int32(nout), $0.baseAddress) }
    }
    precondition(rc == 0, "kvd_pack_weights refused its arguments")
    return out
}

/// The activations' format (KVD_XQ_*) for an arithmetic: packed weights take the wide grouped one.
func activationFormat(_ arithmetic: CPUArithmetic, packed: Bool) -> Int32 {
    Int32(packed ? KVD_XQ_WIDE_GROUPED : arithmetic.wide ? KVD_XQ_WIDE : KVD_XQ_NARROW)
}

/// kvd_quantize_rows of ntok rows of n values in `format`, in a buffer of kvd_xq_bytes.
func quantizedActivations(_ x: [Float], ntok: Int, n: Int, format: Int32) -> [UInt8] {
    precondition(x.count >= ntok * n)
    var q = [UInt8](repeating: 0, count: kvd_xq_bytes(Int32(ntok), Int32(n), format))
    q.withUnsafeMutableBytes { kvd_quantize_rows(x, Int32(ntok), Int32(n), format, $0.baseAddress) }
    return q
}

/// Calls kvd_matmul on Swift arrays; with `packed`, on the weights repacked by kvd_pack_weights.
func runMatmul(path: CPUKernelPath, type: GGMLType, weights: [UInt8], nin: Int, nout: Int, x: [Float], ntok: Int,
               arithmetic: CPUArithmetic, bias: [Float]? = nil, initial: [Float]? = nil, packed: Bool = false,
               pool: CPUThreadPool? = nil) -> [Float] {
    let weights = packed ? pack(type: type, weights: weights, nin: nin, nout: nout) : weights
    var y = initial ?? [Float](repeating: .nan, count: ntok * nout)
    let wide = activationFormat(arithmetic, packed: packed)
    let useQ = arithmetic.quantizes && type.blockElements == 32
    let xq = useQ ? quantizedActivations(x, ntok: ntok, n: nin, format: wide) : [0]
    let rc = weights.withUnsafeBytes { w in
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                xq.withUnsafeBytes { q in
                    return (bias ?? []).withUnsafeBufferPointer { bp in
                        var l = kvd_linear(type: Int32(type.rawValue) | (packed ? KVD_PACKED : 0), w: w.baseAddress, nin: Int32(nin), nout: Int32(nout),
                                           y: yp.baseAddress, ldy: Int32(nout), bias: bias == nil ? nil : bp.baseAddress,
                                           accumulate: initial == nil ? 0 : 1)
                        return kvd_matmul(pool?.raw, path.rawValue, &l, 1, xp.baseAddress, useQ ? UnsafeRawPointer(q.baseAddress) : nil,
                                          wide, Int32(ntok))
                    }
                }
            }
        }
    }
    precondition(rc == 0, "kvd_matmul refused its arguments")
    return y
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
