import Foundation
import Hummingbird
import HTTPTypes
import LocalCluster
import Logging
import NIOCore

/// Turns one Hummingbird request into a `ServerRequest` for the API semantics layer, and its
/// `ServerResponse` back into HTTP: bearer authentication first, then path and query decoding,
/// the body collected up to a limit, and streamed bodies written chunk by chunk.
struct APIResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let handler: any APIRequestHandler
    let tokens: BearerTokenTable
    let maxBodyBytes: Int
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let auditID = UUID().uuidString.lowercased()
        guard let user = tokens.user(forAuthorization: request.headers[.authorization]) else {
            return Self.statusResponse(code: 401, reason: "Unauthorized", message: "Unauthorized", auditID: auditID)
        }
        guard let (path, query) = Self.decodeTarget(path: request.uri.path, query: request.uri.query) else {
            return Self.statusResponse(code: 400, reason: "BadRequest",
                                       message: "the request URL is not validly percent-encoded", auditID: auditID)
        }
        // A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3); its
        // body stream is then left unread, so a streamed response can watch it for the client
        // going away (Hummingbird's inbound-close handling needs a body nobody has read).
        let hasBody = request.headers[.transferEncoding] != nil
            || (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0
        var collecting = request
        let body: ByteBuffer
        do {
            body = hasBody ? try await collecting.collectBody(upTo: maxBodyBytes) : ByteBuffer()
        } catch is NIOTooManyBytesError {
            return Self.statusResponse(code: 413, reason: "RequestEntityTooLarge",
                                       message: "the request body is larger than \(maxBodyBytes) bytes", auditID: auditID)
        }
        let serverRequest = ServerRequest(
            method: request.method.rawValue,
            path: path,
            query: query,
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) },
            body: Data(buffer: body),
            user: user)
        let answer = await handler.handle(serverRequest)

        var headers = HTTPFields()
        for (name, value) in answer.headers {
            guard let fieldName = HTTPField.Name(name) else { continue }
            // Framing is this server's business.
            if fieldName == .contentLength || fieldName == .transferEncoding || fieldName == .connection { continue }
            headers.append(HTTPField(name: fieldName, value: value))
        }
        Self.addStandardHeaders(&headers, auditID: auditID)
        let status = Self.status(answer.status)

        switch answer.body {
        case let .data(data):
            headers[.contentLength] = String(data.count)
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        case let .stream(chunks):
            return Response(status: status, headers: headers, body: ResponseBody { writer in
                // Write each chunk as it comes (NIO flushes every write). When the client closes
                // its side, the iteration is cancelled, which ends `chunks` and runs its onTermination.
                // A CancellationError from here (client gone, server stopping) closes the connection.
                if hasBody {
                    // The body was read: a client that went away shows at the next write.
                    for await chunk in chunks {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                } else {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        for await chunk in chunks {
                            try await writer.write(ByteBuffer(bytes: chunk))
                        }
                    }
                }
                try await writer.finish(nil)
            })
        }
    }

    /// Splits and percent-decodes the request target as Go's net/url does for the real server:
    /// the path is decoded as is; in the query, '+' also means a space. Nil if badly encoded.
    static func decodeTarget(path rawPath: String, query rawQuery: String?) -> (String, [(name: String, value: String)])? {
        guard let path = rawPath.removingPercentEncoding else { return nil }
        var query: [(name: String, value: String)] = []
        if let rawQuery, !rawQuery.isEmpty {
            for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = decodeQueryComponent(parts[0]) else { return nil }
                let value = parts.count > 1 ? decodeQueryComponent(parts[1]) : ""
                guard let value else { return nil }
                query.append((name: name, value: value))
            }
        }
        return (path, query)
    }

    private static func decodeQueryComponent(_ component: Substring) -> String? {
        component.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    static func addStandardHeaders(_ headers: inout HTTPFields, auditID: String) {
        headers[HTTPField.Name("Audit-Id")!] = auditID
        headers[.cacheControl] = "no-cache, private"
    }

    /// A `Status` object response, as the real server sends for errors it finds before the API
    /// layer (401, 400, 413).
    static func statusResponse(code: Int, reason: String, message: String, auditID: String) -> Response {
        // Key order as the real server writes it, so bodies match recorded ones byte for byte.
        let body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
            + jsonString(message) + ",\"reason\":" + jsonString(reason) + ",\"code\":\(code)}\n"
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        addStandardHeaders(&headers, auditID: auditID)
        let bytes = Array(body.utf8)
        headers[.contentLength] = String(bytes.count)
        return Response(status: status(code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    static func status(_ code: Int) -> HTTPResponse.Status {
        let code = (100...599).contains(code) ? code : 500
        return HTTPResponse.Status(code: code, reasonPhrase: reasonPhrases[code] ?? "")
    }

    private static let reasonPhrases: [Int: String] = [
        200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 304: "Not Modified",
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone",
        413: "Request Entity Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
        429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout",
    ]
}
