/// A GGUF model file (v2 or v3): metadata, tensor directory, and the tensor bytes read in place
/// from a memory map. Layout: magic "GGUF", version, tensor count, metadata count, the metadata
/// key/values, the tensor infos, then the data section at `general.alignment` (default 32).
public final class GGUFFile: Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        /// ggml order: `dimensions[0]` is the innermost (a row's length). A PyTorch weight of
        /// shape [out, in] is stored as [in, out].
        public let dimensions: [Int]
        public let type: GGMLType
        /// Offset of the tensor's bytes from the file's start.
        public let fileOffset: Int
        public let byteCount: Int

        public var elementCount: Int { dimensions.reduce(1, *) }
    }

    public let file: MappedFile
    public let version: UInt32
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [TensorInfo]
    private let tensorIndex: [String: Int]

    public var path: String { file.path }

    public convenience init(path: String) throws(ModelLoadError) {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws(ModelLoadError) {
        self.file = file
        var r = Reader(file: file)
        let magic = try r.u32()
        guard magic == 0x4655_4747 else {  // "GGUF" little-endian
            throw ModelLoadError(path: file.path, "not a GGUF file (bad magic)")
        }
        version = try r.u32()
        guard version == 2 || version == 3 else {
            throw ModelLoadError(path: file.path, "GGUF version \(version) is not supported (2 and 3 are)")
        }
        let tensorCount = try r.count("tensor count")
        let kvCount = try r.count("metadata count")
        var keys: [String] = []
        var meta: [String: GGUFValue] = [:]
        keys.reserveCapacity(kvCount)
        for _ in 0..<kvCount {
            let key = try r.string()
            let type = try r.u32()
            let value = try r.value(type: type, key: key)
            if meta.updateValue(value, forKey: key) == nil { keys.append(key) }
        }
        metadataKeys = keys
        metadata = meta

        var alignment = 32
        if let a = meta["general.alignment"] {
            guard let v = a.intValue, v > 0, v & (v - 1) == 0 else {
                throw ModelLoadError(path: file.path, "general.alignment must be a power of two")
            }
            alignment = v
        }

        struct RawInfo { var name: String; var dims: [Int]; var type: GGMLType; var offset: Int }
        var raw: [RawInfo] = []
        raw.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try r.string()
            let nDims = Int(try r.u32())
            guard (1...4).contains(nDims) else {
                throw ModelLoadError(path: file.path, "tensor \(name): \(nDims) dimensions (1 to 4 are valid)")
            }
            var dims: [Int] = []
            for _ in 0..<nDims { dims.append(try r.count("tensor \(name) dimension")) }
            let typeCode = try r.u32()
            guard let type = GGMLType(rawValue: typeCode) else {
                throw ModelLoadError(path: file.path, "tensor \(name): unknown tensor type \(typeCode)")
            }
            let offset = try r.count("tensor \(name) offset")
            raw.append(RawInfo(name: name, dims: dims, type: type, offset: offset))
        }
        let dataStart = (r.position + alignment - 1) / alignment * alignment

        var infos: [TensorInfo] = []
        var index: [String: Int] = [:]
        infos.reserveCapacity(raw.count)
        for t in raw {
            let (elements, overflow) = t.dims.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, let bytes = t.type.byteCount(elements: elements) else {
                throw ModelLoadError(path: file.path, "tensor \(t.name): \(t.dims) is not a whole number of \(t.type.name) blocks")
            }
            let start = dataStart + t.offset
            guard t.offset % alignment == 0 else {
                throw ModelLoadError(path: file.path, "tensor \(t.name): offset \(t.offset) is not aligned to \(alignment)")
            }
            guard start <= file.count, bytes <= file.count - start else {
                throw ModelLoadError(path: file.path, "truncated: tensor \(t.name) needs bytes up to \(start + bytes), the file has \(file.count)")
            }
            guard index[t.name] == nil else {
                throw ModelLoadError(path: file.path, "tensor \(t.name) appears twice")
            }
            index[t.name] = infos.count
            infos.append(TensorInfo(name: t.name, dimensions: t.dims, type: t.type, fileOffset: start, byteCount: bytes))
        }
        tensors = infos
        tensorIndex = index
    }

    public func tensor(named name: String) -> TensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of a tensor, in place in the map (valid while this file lives).
    public func data(of tensor: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: file.base + tensor.fileOffset, count: tensor.byteCount)
    }

    // Typed metadata access with errors that name the key.

    public func string(_ key: String) throws(ModelLoadError) -> String {
        guard let v = metadata[key]?.stringValue else { throw missing(key, "a string") }
        return v
    }

    public func int(_ key: String) throws(ModelLoadError) -> Int {
        guard let v = metadata[key]?.intValue else { throw missing(key, "an integer") }
        return v
    }

    public func double(_ key: String) throws(ModelLoadError) -> Double {
        guard let v = metadata[key]?.doubleValue else { throw missing(key, "a number") }
        return v
    }

    public func strings(_ key: String) throws(ModelLoadError) -> [String] {
        guard let a = metadata[key]?.arrayValue else { throw missing(key, "an array of strings") }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for v in a {
            guard let s = v.stringValue else { throw missing(key, "an array of strings") }
            out.append(s)
        }
        return out
    }

    public func ints(_ key: String) throws(ModelLoadError) -> [Int] {
        guard let a = metadata[key]?.arrayValue else { throw missing(key, "an array of integers") }
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for v in a {
            guard let i = v.intValue else { throw missing(key, "an array of integers") }
            out.append(i)
        }
        return out
    }

    private func missing(_ key: String, _ what: String) -> ModelLoadError {
        ModelLoadError(path: file.path, metadata[key] == nil ? "metadata \(key) is missing" : "metadata \(key) is not \(what)")
    }
}

/// A bounds-checked little-endian cursor over the map: a truncated or corrupt header is an error,
/// never a read past the end.
private struct Reader {
    let file: MappedFile
    var position = 0

    init(file: MappedFile) { self.file = file }

    mutating func take(_ n: Int) throws(ModelLoadError) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= file.count - position else {
            throw ModelLoadError(path: file.path, "truncated: the header ends at byte \(file.count), inside a value at \(position)")
        }
        let b = UnsafeRawBufferPointer(start: file.base + position, count: n)
        position += n
        return b
    }

    mutating func u8() throws(ModelLoadError) -> UInt8 { try take(1)[0] }
    mutating func u16() throws(ModelLoadError) -> UInt16 { UInt16(littleEndian: try take(2).loadUnaligned(as: UInt16.self)) }
    mutating func u32() throws(ModelLoadError) -> UInt32 { UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self)) }
    mutating func u64() throws(ModelLoadError) -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }

    /// A u64 count that must fit what is left of the file (every element takes at least a byte).
    mutating func count(_ what: String) throws(ModelLoadError) -> Int {
        let v = try u64()
        guard v <= UInt64(file.count) else {
            throw ModelLoadError(path: file.path, "truncated or corrupt: \(what) is \(v), more than the file's \(file.count) bytes")
        }
        return Int(v)
    }

    mutating func string() throws(ModelLoadError) -> String {
        let n = try count("string length")
        return String(decoding: try take(n), as: UTF8.self)
    }

    mutating func value(type: UInt32, key: String, depth: Int = 0) throws(ModelLoadError) -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try u8()))
        case 1: return .int(Int64(Int8(bitPattern: try u8())))
        case 2: return .uint(UInt64(try u16()))
        case 3: return .int(Int64(Int16(bitPattern: try u16())))
        case 4: return .uint(UInt64(try u32()))
        case 5: return .int(Int64(Int32(bitPattern: try u32())))
        case 6: return .float(Double(Float(bitPattern: try u32())))
        case 7: return .bool(try u8() != 0)
        case 8: return .string(try string())
        case 9:
            guard depth < 4 else { throw ModelLoadError(path: file.path, "metadata \(key): arrays nested too deep") }
            let elementType = try u32()
            let n = try count("metadata \(key) array length")
            var out: [GGUFValue] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try value(type: elementType, key: key, depth: depth + 1)) }
            return .array(out)
        case 10: return .uint(try u64())
        case 11: return .int(Int64(bitPattern: try u64()))
        case 12: return .float(Double(bitPattern: try u64()))
        default:
            throw ModelLoadError(path: file.path, "metadata \(key): unknown value type \(type)")
        }
    }
}
