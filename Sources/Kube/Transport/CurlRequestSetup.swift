import CCurl
import Foundation

/// Turns an `HTTPRequest` plus the transport's options into a configured easy handle.
///
/// Every option is set on every handle, so nothing depends on libcurl defaults that a build or an
/// environment variable could change.
struct CurlRequestSetup {
    enum Mode {
        /// `send`: overall timeout applies.
        case complete
        /// `stream`: no overall timeout unless the request sets one (a streamed LIST does; a
        /// watch does not), TCP keepalive instead.
        case streaming
    }

    let options: TransportOptions
    /// Validated CURLOPT_PROXY value; "" turns proxies off, including http_proxy and friends.
    let proxy: String
    /// "host port N" as libcurl's connect errors name the proxy, to tell them from server errors.
    let proxyAuthority: String?

    init(options: TransportOptions) throws {
        self.options = options
        self.proxy = try Self.proxyValue(options.proxyURL)
        self.proxyAuthority = options.proxyURL.flatMap { url in
            url.host.map { host in
                let defaultPort = url.scheme?.lowercased() == "socks5" ? 1080 : (url.scheme?.lowercased() == "https" ? 443 : 80)
                return "\(host) port \(url.port ?? defaultPort)"
            }
        }
    }

    func makeTransfer(for request: HTTPRequest, mode: Mode) throws -> CurlTransfer {
        guard let scheme = request.url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw TransportError.invalidRequest("only http and https URLs are supported")
        }
        guard let host = request.url.host, !host.isEmpty else {
            throw TransportError.invalidRequest("the URL has no host")
        }
        let method = request.method.uppercased()
        guard !method.isEmpty, method.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw TransportError.invalidRequest("\"\(request.method)\" is not an HTTP method")
        }
        let route = try ServerNameRoute.make(url: request.url, serverName: options.tls.serverName)
        let timeout: Duration? = mode == .complete ? (request.timeout ?? options.requestTimeout) : request.timeout

        let easy = try CurlEasyHandle()
        try easy.set(CURLOPT_URL, route?.url ?? request.url.absoluteString)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, false)
        // No signals: libcurl runs on our loop thread, and DNS uses its threaded resolver.
        try easy.set(CURLOPT_NOSIGNAL, true)
        try easy.set(CURLOPT_USERAGENT, options.userAgent)
        try easy.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        try easy.set(CURLOPT_PROXY, proxy)
        try easy.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, true)
        try easy.set(CURLOPT_ACCEPT_ENCODING, options.disableCompression ? nil : "")
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.curlMilliseconds)
        try easy.set(CURLOPT_TIMEOUT_MS, timeout?.curlMilliseconds ?? 0)
        // Watches sit idle for minutes; keepalive notices a dead peer or a dropped NAT mapping.
        try easy.set(CURLOPT_TCP_KEEPALIVE, true)
        try easy.set(CURLOPT_TCP_KEEPIDLE, 30)
        try easy.set(CURLOPT_TCP_KEEPINTVL, 15)
        try applyTLS(to: easy, identity: request.clientIdentity ?? options.tls.clientIdentity)
        if let route { try easy.set(CURLOPT_CONNECT_TO, list: [route.connectTo]) }
        // POST, PUT and PATCH always carry a body, empty if need be, so that Content-Length: 0 is
        // sent (some servers answer 411 without it).
        let body = request.body ?? (["POST", "PUT", "PATCH"].contains(method) ? Data() : nil)
        try applyMethod(method, body: body, to: easy)
        try easy.set(CURLOPT_HTTPHEADER, list: try headerLines(for: request, hasBody: body != nil, route: route))

        let target = CurlTransfer.Target(host: host, redactedURL: Self.redacted(request.url),
                                         timeout: timeout, connectTimeout: options.connectTimeout,
                                         proxyAuthority: proxyAuthority)
        return try CurlTransfer(easy: easy, target: target)
    }

    private func applyTLS(to easy: CurlEasyHandle, identity: ClientIdentity?) throws {
        let tls = options.tls
        try easy.set(CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0 : 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0 : 2)
        if let ca = tls.caPEM {
            // The kubeconfig CA replaces the system store, as in client-go; without clearing
            // CAINFO/CAPATH, OpenSSL would also trust every public CA next to the blob.
            try easy.set(CURLOPT_CAINFO, nil)
            try easy.set(CURLOPT_CAPATH, nil)
            try easy.set(CURLOPT_CAINFO_BLOB, blob: ca)
        }
        if let identity {
            try easy.set(CURLOPT_SSLCERTTYPE, "PEM")
            try easy.set(CURLOPT_SSLCERT_BLOB, blob: identity.certificatePEM)
            try easy.set(CURLOPT_SSLKEYTYPE, "PEM")
            try easy.set(CURLOPT_SSLKEY_BLOB, blob: identity.keyPEM)
        }
    }

    private func applyMethod(_ method: String, body: Data?, to easy: CurlEasyHandle) throws {
        switch method {
        case "GET" where body == nil:
            try easy.set(CURLOPT_HTTPGET, true)
        case "HEAD":
            try easy.set(CURLOPT_NOBODY, true)
        default:
            if let body {
                // COPYPOSTFIELDS copies the bytes, so the Data need not outlive this call; the
                // size goes first so that bodies with NUL bytes are sent whole.
                try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
                try body.withUnsafeBytes { bytes in
                    // An empty Data may have no base address; libcurl needs a valid pointer.
                    var empty: UInt8 = 0
                    let base = bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
                    try withUnsafeMutablePointer(to: &empty) { emptyPointer in
                        try easy.set(CURLOPT_COPYPOSTFIELDS, pointer: base ?? UnsafeMutableRawPointer(emptyPointer))
                    }
                }
            }
            if method != "POST" || body == nil {
                try easy.set(CURLOPT_CUSTOMREQUEST, method)
            }
        }
    }

    private func headerLines(for request: HTTPRequest, hasBody: Bool, route: ServerNameRoute?) throws -> [String] {
        var lines: [String] = []
        for (name, value) in request.headers {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ":" && !$0.isNewline }) else {
                throw TransportError.invalidRequest("\"\(name)\" is not a valid header name")
            }
            // The value is not quoted: it may be a token.
            guard !value.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw TransportError.invalidRequest("the value of header \(name) contains a line break")
            }
            // "Name:" would tell libcurl to remove the header; "Name;" sends it empty.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if let route, request.header("Host") == nil {
            lines.append("Host: \(route.hostHeader)")
        }
        if hasBody {
            // libcurl would add "Expect: 100-continue" (a wasted round trip) and, for POST, a form
            // content type the caller never chose.
            if request.header("Expect") == nil { lines.append("Expect:") }
            if request.header("Content-Type") == nil { lines.append("Content-Type:") }
        }
        return lines
    }

    private static func proxyValue(_ url: URL?) throws -> String {
        guard let url else { return "" }
        guard let scheme = url.scheme?.lowercased(), ["http", "https", "socks5"].contains(scheme) else {
            throw TransportError.invalidRequest("proxy URL scheme must be http, https or socks5")
        }
        guard let host = url.host, !host.isEmpty else {
            throw TransportError.invalidRequest("proxy URL has no host")
        }
        return url.absoluteString
    }

    /// scheme://host[:port]/path: no user info or query, which may carry secrets.
    static func redacted(_ url: URL) -> String {
        let host = url.host ?? ""
        let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(url.scheme ?? "https")://\(authority)\(port)\(url.path)"
    }
}

extension Duration {
    /// Whole milliseconds for libcurl, at least 1: libcurl reads 0 as "no limit".
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(max(1, min(milliseconds, Int64(Int32.max))))
    }
}
