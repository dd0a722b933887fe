import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// Every request of the engine server: the API-key check on `/v1/*`, then the route, then one
/// log line when the response has been written (for a stream, when it ends).
struct EngineResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let endpoints: Endpoints
    let auth: APIKeyCheck
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let record = RequestLogRecord()
        // `/metrics/` must answer like `/metrics` (scrapers do not follow redirects, §6.2); the
        // same leniency costs nothing elsewhere.
        let rawPath = request.uri.path
        let path = rawPath.count > 1 && rawPath.hasSuffix("/") ? String(rawPath.dropLast()) : rawPath
        let method = request.method.rawValue

        var response: Response
        if !auth.allows(method: method, path: path, authorization: request.headers[.authorization]) {
            response = .text(APIKeyCheck.unauthorizedBody, status: 401, contentType: "application/json")
        } else {
            response = await route(request, method: method, path: path, record: record)
        }

        let status = response.status.code
        if response.body.contentLength != nil {
            record.write(to: logger, method: method, path: path, status: status)
            return response
        }
        // A stream: log once it has been written, or has failed (the client went away).
        let body = response.body
        let logger = self.logger
        response.body = ResponseBody { writer in
            do {
                try await body.write(writer)
                record.write(to: logger, method: method, path: path, status: status)
            } catch {
                record.set("error", .string("\(error)"))
                record.write(to: logger, method: method, path: path, status: status)
                throw error
            }
        }
        return response
    }

    private func route(_ request: Request, method: String, path: String, record: RequestLogRecord) async -> Response {
        switch (method, path) {
        case ("GET", "/health"), ("GET", "/ping"), ("POST", "/ping"): return endpoints.health()
        case ("GET", "/version"): return endpoints.version()
        case ("GET", "/load"): return endpoints.load()
        case ("GET", "/metrics"): return await endpoints.metrics()
        case ("GET", "/v1/models"): return endpoints.models()
        case ("POST", "/tokenize"): return await endpoints.tokenize(request)
        case ("POST", "/detokenize"): return await endpoints.detokenize(request)
        case ("POST", "/v1/completions"): return await endpoints.generate(request, api: .completion, record: record)
        case ("POST", "/v1/chat/completions"): return await endpoints.generate(request, api: .chat, record: record)
        default:
            // FastAPI's bodies, which is what a vLLM client sees.
            let known = ["/health", "/ping", "/version", "/load", "/metrics", "/v1/models", "/tokenize", "/detokenize",
                         "/v1/completions", "/v1/chat/completions"].contains(path)
            return known
                ? .text("{\"detail\":\"Method Not Allowed\"}", status: 405, contentType: "application/json")
                : .text("{\"detail\":\"Not Found\"}", status: 404, contentType: "application/json")
        }
    }
}
