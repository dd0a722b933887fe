import Foundation  // JSONSerialization for the header

/// One `.safetensors` file, memory-mapped: an 8-byte little-endian header length N, N bytes of
/// JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`),
/// then the tensor bytes, offsets relative to the end of the header. Every entry is checked
/// against the file's size here, so a truncated download fails at load, naming the file.
final class SafetensorsFile: Sendable {
    struct Entry: Sendable {
        let dtype: String
        /// Row-major, outermost first (PyTorch order).
        let shape: [Int]
        let bytes: Range<Int>  // absolute offsets in the file
    }

    let file: MappedFile
    let entries: [String: Entry]
    var path: String { file.path }

    /// Bytes per element of the dtypes the format defines (for checking sizes, not all loadable).
    static let elementBytes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
        "U16": 2, "U32": 4, "U64": 8, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    init(path: String) throws(ModelLoadError) {
        let file = try MappedFile(path: path)
        self.file = file
        func fail(_ m: String) -> ModelLoadError { ModelLoadError(path: path, m) }
        guard file.count >= 8 else { throw fail("truncated: \(file.count) bytes, shorter than the 8-byte header length") }
        let n64 = UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self))
        // The format caps the header at 100 MB; a larger length is corruption, not a header.
        guard n64 <= 100_000_000 else { throw fail("corrupt: header length \(n64) is over the format's 100 MB limit") }
        let n = Int(n64)
        guard 8 + n <= file.count else { throw fail("truncated: the header needs \(8 + n) bytes, the file has \(file.count)") }
        let header = Data(bytes: file.base + 8, count: n)
        let json: [String: Any]
        do {
            guard let j = try JSONSerialization.jsonObject(with: header) as? [String: Any] else {
                throw fail("header JSON is not an object")
            }
            json = j
        } catch let e as ModelLoadError {
            throw e
        } catch {
            throw fail("header JSON is corrupt: \(error.localizedDescription)")
        }
        let dataStart = 8 + n
        var entries: [String: Entry] = [:]
        for (name, value) in json where name != "__metadata__" {
            guard let t = value as? [String: Any], let dtype = t["dtype"] as? String,
                  let shape = t["shape"] as? [Int], let offsets = t["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("header entry \(name) lacks dtype, shape or data_offsets")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("header entry \(name) has invalid offsets \(offsets) or shape \(shape)")
            }
            if let size = Self.elementBytes[dtype] {
                let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                    let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                    return (p, acc.1 || o)
                }
                guard !overflow, elements.multipliedReportingOverflow(by: size) == (end - begin, false) else {
                    throw fail("tensor \(name): shape \(shape) of \(dtype) does not fill its \(end - begin) bytes")
                }
            }
            guard dataStart + end <= file.count else {
                throw fail("truncated: tensor \(name) needs bytes up to \(dataStart + end), the file has \(file.count)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, bytes: (dataStart + begin)..<(dataStart + end))
        }
        self.entries = entries
    }

    func data(_ e: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: file.base + e.bytes.lowerBound, count: e.bytes.count)
    }
}
