import Engine
import YAML

/// An error answered to the client in OpenAI's nested shape, as vLLM writes it since PR #22099
/// (reference §2.3): `{"error":{"message":...,"type":...,"param":...,"code":400}}`.
struct APIError: Error, Equatable, Sendable, CustomStringConvertible {
    var status: Int
    var type: String
    var message: String
    var param: String?

    init(status: Int, type: String, message: String, param: String? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
    }

    static func badRequest(_ message: String, param: String? = nil) -> APIError {
        APIError(status: 400, type: "BadRequestError", message: message, param: param)
    }

    static func modelNotFound(_ name: String) -> APIError {
        APIError(status: 404, type: "NotFoundError", message: "The model `\(name)` does not exist.", param: "model")
    }

    static func tooManyRequests(limit: Int) -> APIError {
        APIError(status: 429, type: "RateLimitError",
                 message: "the server already has \(limit) requests running or waiting (--max-num-seqs plus --max-waiting-requests); retry later")
    }

    static func unavailable(_ message: String) -> APIError {
        APIError(status: 503, type: "ServiceUnavailableError", message: message)
    }

    /// nginx's 499 "client closed request": what the request log says of a request whose client
    /// left before its answer (the client never sees it).
    static let clientClosedRequest = APIError(status: 499, type: "ClientClosedRequest", message: "the client closed the connection before the response")

    static func internalError(_ message: String) -> APIError {
        APIError(status: 500, type: "InternalServerError", message: message)
    }

    /// The engine's refusals are the client's mistakes (400), except a backend failure (500).
    init(_ error: EngineError) {
        switch error {
        case .invalidRequest, .promptTooLong, .duplicateRequestID, .tokenizationFailed:
            self = .badRequest(error.description)
        case .invalidConfiguration, .forwardFailed:
            self = .internalError(error.description)
        }
    }

    var json: JSONValue {
        .object(["error": .object([
            "message": .string(message),
            "type": .string(type),
            "param": param.map { .string($0) } ?? .null,
            "code": .int(Int64(status)),
        ])])
    }

    var description: String { "\(status) \(type): \(message)" }
}
