/// Status line and headers of the final response, as the transport reports them.
struct ResponseHead: Sendable, Equatable {
    var status: Int
    /// Lower-cased names; a repeated header is folded into one value joined by ", ".
    var headers: [String: String]
    /// "1.0", "1.1", "2" or "3", from the status line.
    var httpVersion: String
}

/// Builds the final response's head from the header lines libcurl hands over one at a time.
///
/// libcurl passes every header block it sees: interim 1xx responses (100 Continue, 103 Early
/// Hints), the final response, and trailers after a chunked body. Each status line starts a block;
/// the blank line ends it. A block is the final head when its status is 200 or above; proxy CONNECT
/// responses never get here because the transport sets CURLOPT_SUPPRESS_CONNECT_HEADERS.
struct ResponseHeadParser {
    private var status: Int?
    private var version = "1.1"
    private var headers: [String: String] = [:]
    /// Set once the final head is complete; later lines (trailers) are ignored.
    private(set) var finalHead: ResponseHead?

    enum LineResult: Equatable {
        case incomplete
        /// The blank line that ends the final response's head: report it now.
        case completedFinalHead(ResponseHead)
    }

    mutating func consume(line rawLine: Substring) -> LineResult {
        guard finalHead == nil else { return .incomplete }
        let line = rawLine.trimmingTrailingLineBreak()
        if line.isEmpty {
            guard let code = status, code >= 200 else {
                // End of an interim 1xx block (or stray blank line): wait for the next status line.
                resetBlock()
                return .incomplete
            }
            let head = ResponseHead(status: code, headers: headers, httpVersion: version)
            finalHead = head
            return .completedFinalHead(head)
        }
        if line.hasPrefix("HTTP/") {
            resetBlock()
            parseStatusLine(line)
            return .incomplete
        }
        guard status != nil, let colon = line.firstIndex(of: ":") else { return .incomplete }
        let name = line[..<colon].trimmingSpaces().lowercased()
        let value = String(line[line.index(after: colon)...].trimmingSpaces())
        guard !name.isEmpty else { return .incomplete }
        if let existing = headers[name] {
            headers[name] = existing + ", " + value
        } else {
            headers[name] = value
        }
        return .incomplete
    }

    /// What is known so far, for a transfer that ended without a blank line after its headers.
    var partialHead: ResponseHead? {
        finalHead ?? status.map { ResponseHead(status: $0, headers: headers, httpVersion: version) }
    }

    private mutating func resetBlock() {
        status = nil
        headers = [:]
    }

    /// "HTTP/1.1 200 OK", "HTTP/2 200".
    private mutating func parseStatusLine(_ line: Substring) {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, let code = Int(parts[1]) else { return }
        version = String(parts[0].dropFirst("HTTP/".count))
        if version == "2.0" { version = "2" }
        status = code
    }
}

private extension Substring {
    func trimmingTrailingLineBreak() -> Substring {
        var result = self
        while let last = result.last, last.isNewline { result = result.dropLast() }
        return result
    }

    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
