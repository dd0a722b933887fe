import Foundation

/// Percent-encoding for URL parts, matching Go's `net/url` as kubectl uses it, so that our requests
/// are byte-for-byte the ones kubectl sends (selectors like `app in (a,b)` or `a=b,c!=d`).
enum QueryEncoding {
    /// RFC 3986 unreserved characters: the only ones Go's QueryEscape leaves alone.
    private static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))
    /// A path segment may also keep the sub-delimiters and ':' and '@' (Go's PathEscape), which
    /// keeps `pods/https:name:8443/proxy` readable; '/' is escaped so a segment stays one segment.
    private static let segmentSafe: Set<UInt8> = unreserved.union(Array("!$&'()*+,;=:@".utf8))

    /// Go's `url.QueryEscape`: space becomes '+', everything but unreserved is %XX.
    static func queryComponent(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else if byte == 0x20 {
                out.append("+")
            } else {
                out.append(percent(byte))
            }
        }
        return out
    }

    /// One path segment, escaped so that it cannot introduce '/', '?' or '#'.
    static func pathSegment(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            if segmentSafe.contains(byte) { out.unicodeScalars.append(UnicodeScalar(byte)) } else { out.append(percent(byte)) }
        }
        return out
    }

    /// Go's `url.Values.Encode`: sorted by key (stable for repeated keys), `k=v` joined by '&'.
    static func queryString(_ items: [(name: String, value: String)]) -> String {
        let sorted = items.enumerated().sorted { a, b in
            a.element.name == b.element.name ? a.offset < b.offset : a.element.name < b.element.name
        }
        return sorted.map { "\(queryComponent($0.element.name))=\(queryComponent($0.element.value))" }
            .joined(separator: "&")
    }

    private static func percent(_ byte: UInt8) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
    }
}
