/// Interns byte ranges of the text being parsed into Strings, so that a metric name or label value
/// repeated on a thousand lines is decoded and allocated once. Keys point into the parser's input
/// and are only valid while it runs; the table does not outlive the parse.
struct ByteStringTable {
    private struct Key: Hashable {
        let start: UnsafePointer<UInt8>
        let count: Int
        let hash: Int

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.count == rhs.count && lhs.hash == rhs.hash
                && (lhs.start == rhs.start || memcmpBytes(lhs.start, rhs.start, lhs.count))
        }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    private var strings: [Key: String] = [:]

    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return "" }
        // FNV-1a: short keys, and one multiply per byte is cheaper than Hasher over the bytes.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let key = Key(start: base, count: bytes.count, hash: Int(truncatingIfNeeded: hash))
        if let found = strings[key] { return found }
        let made = String(decoding: bytes, as: UTF8.self)
        strings[key] = made
        return made
    }
}

@inline(__always)
private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var index = 0
    while index < count {
        if a[index] != b[index] { return false }
        index += 1
    }
    return true
}
