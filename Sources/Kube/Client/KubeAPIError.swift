import Foundation

/// An error the API server reported: decoded from its `Status` body when there is one (almost
/// always), otherwise built from the HTTP status and the start of the body.
///
/// `description` keeps the server's own message, which already names the verb, resource and user
/// (403s) or the offending fields (422s); we only add what the message leaves out.
public struct KubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (or, for an ERROR event inside a watch, the Status's `code`).
    public var code: Int
    /// The machine-readable reason: NotFound, AlreadyExists, Conflict, Forbidden, Invalid, Expired, ...
    public var reason: String?
    public var message: String
    public var details: Details?
    /// A Status returned for an expired list continuation carries a fresh continue token here.
    public var continueToken: String?
    /// "GET /apis/apps/v1/namespaces/x/deployments/y": which request failed (never includes credentials).
    public var request: String?

    public struct Details: Sendable, Equatable, Codable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]?
        public var retryAfterSeconds: Int?
    }

    /// One field-level problem of a 422 Invalid (or a watch 504's ResourceVersionTooLarge).
    public struct Cause: Sendable, Equatable, Codable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }

    public init(code: Int, reason: String? = nil, message: String, details: Details? = nil,
                continueToken: String? = nil, request: String? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.continueToken = continueToken
        self.request = request
    }

    public var isNotFound: Bool { code == 404 || reason == "NotFound" }
    /// 409 because the object changed since it was read (optimistic concurrency), or a
    /// server-side apply conflict with another field manager: re-read and retry, or force.
    public var isConflict: Bool { reason == "Conflict" || (code == 409 && reason == nil) }
    /// 409 because a create found the name taken: not retryable.
    public var isAlreadyExists: Bool { reason == "AlreadyExists" }
    public var isForbidden: Bool { code == 403 || reason == "Forbidden" }
    public var isUnauthorized: Bool { code == 401 || reason == "Unauthorized" }
    /// 410: a resourceVersion or continue token older than etcd's history. Relist from scratch.
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }
    public var isInvalid: Bool { code == 422 || reason == "Invalid" }

    public var description: String {
        var text = message.isEmpty ? "the server answered \(code)" : message
        // Causes usually repeat inside the message; list only the ones that add something.
        let extra = (details?.causes ?? []).compactMap { cause -> String? in
            let line = [cause.field, cause.message].compactMap { $0 }.joined(separator: ": ")
            guard !line.isEmpty, !text.contains(cause.message ?? line) else { return nil }
            return line
        }
        if !extra.isEmpty { text += " (" + extra.joined(separator: "; ") + ")" }
        if code == 401 && !text.localizedCaseInsensitiveContains("credential") {
            text += ": the server did not accept the credentials"
        }
        return text
    }
}

extension KubeAPIError {
    /// The wire form of metav1.Status, as far as we read it.
    struct StatusBody: Decodable {
        var kind: String?
        var status: String?
        var message: String?
        var reason: String?
        var code: Int?
        var details: Details?
        var metadata: ListMeta?
    }

    static func isStatusBody(_ body: Data) -> Bool {
        (try? JSONDecoder().decode(StatusBody.self, from: body))?.kind == "Status"
    }

    /// The longest body excerpt put into a message when the body is not a Status.
    static let excerptLimit = 300

    /// Reads a failed response: a `Status` if the body is one, else a message with the status and path.
    init(status: Int, body: Data, request: String) {
        if let decoded = try? JSONDecoder().decode(StatusBody.self, from: body), decoded.kind == "Status" {
            self.init(status: decoded, fallbackCode: status, request: request)
            return
        }
        let text = String(decoding: body.prefix(Self.excerptLimit), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = Self.reason(forHTTPStatus: status)
        var message = "\(request): the server answered \(status)"
        if let reason { message += " \(reason)" }
        if !text.isEmpty { message += ": \(text)" }
        self.init(code: status, reason: reason.map { $0.replacingOccurrences(of: " ", with: "") },
                  message: message, request: request)
    }

    init(status: StatusBody, fallbackCode: Int, request: String?) {
        self.init(code: status.code ?? fallbackCode, reason: status.reason, message: status.message ?? "",
                  details: status.details, continueToken: status.metadata?.continue, request: request)
    }

    /// Reasons the apiserver would have used, for bodies that are not Status objects.
    static func reason(forHTTPStatus status: Int) -> String? {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return nil
        }
    }
}
