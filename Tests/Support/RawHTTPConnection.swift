import Foundation

/// HTTP/1.1 over a plain loopback socket, for tests that need what a high-level client hides:
/// the exact SSE bytes, and hanging up in the middle of a stream. Blocking calls run on a
/// dispatch queue, never on the cooperative pool the server under test needs.
public final class RawHTTPConnection: @unchecked Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]  // lower-cased names
        public var body: String
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    private let fd: Int32
    private var buffer = Data()
    private let queue = DispatchQueue(label: "raw-http")

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw Failure(description: "connect to 127.0.0.1:\(port) failed") }
    }

    deinit { close(fd) }

    /// Sends one request (with `Connection: close` unless `keepAlive`).
    public func send(_ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:]) throws {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        if let json {
            text += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n"
        }
        text += "Connection: close\r\n\r\n" + (json ?? "")
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed") }
            sent += n
        }
    }

    /// Reads until `marker` has arrived (or EOF); returns everything read so far.
    public func read(until marker: String, timeout: Double = 20) async throws -> String {
        try await onQueue { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while !String(decoding: buffer, as: UTF8.self).contains(marker) {
                guard Date() < deadline else { throw Failure(description: "timed out waiting for \(marker.debugDescription); got \(String(decoding: buffer, as: UTF8.self).debugDescription)") }
                if try !readSome() { break }
            }
            return String(decoding: buffer, as: UTF8.self)
        }
    }

    /// Reads the whole response (the server closes the connection after it).
    public func readReply(timeout: Double = 30) async throws -> Reply {
        let raw = try await onQueue { [self] () throws -> Data in
            let deadline = Date().addingTimeInterval(timeout)
            while try readSome() {
                guard Date() < deadline else { throw Failure(description: "timed out reading a reply") }
            }
            return buffer
        }
        return try Self.parse(raw)
    }

    /// Hangs up (the client going away mid-stream).
    public func hangUp() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private func readSome() throws -> Bool {
        var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pollfd, 1, 200) >= 0 else { throw Failure(description: "poll failed") }
        if pollfd.revents == 0 { return true }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    private func onQueue<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            queue.async { c.resume(with: Result { try work() }) }
        }
    }

    static func parse(_ raw: Data) throws -> Reply {
        let text = String(decoding: raw, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no HTTP head in \(text.debugDescription)") }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    /// Chunked transfer coding removed (sizes are in bytes; the tests' bodies are ASCII-safe JSON).
    static func dechunk(_ body: String) -> String {
        var bytes = Array(body.utf8)[...]
        var out: [UInt8] = []
        while let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")) {
            guard let size = Int(String(decoding: bytes[bytes.startIndex..<lineEnd], as: UTF8.self), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.endIndex else { break }
            out += bytes[start..<(start + size)]
            bytes = bytes[(start + size + 2)...]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One request, one reply.
public func httpRequest(port: Int, _ method: String, _ path: String, json: String? = nil,
                 headers: [String: String] = [:]) async throws -> RawHTTPConnection.Reply {
    let c = try RawHTTPConnection(port: port)
    try c.send(method, path, json: json, headers: headers)
    return try await c.readReply()
}
