import Hummingbird
import HTTPTypes
import NIOCore
import YAML

extension Response {
    static func json(_ value: JSONValue, status: Int = 200) -> Response {
        text(value.jsonString(), status: status, contentType: "application/json")
    }

    static func apiError(_ error: APIError) -> Response {
        var r = json(error.json, status: error.status)
        if error.status == 429 { r.headers[.retryAfter] = "1" }
        return r
    }

    static func text(_ body: String, status: Int = 200, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        let buffer = ByteBuffer(string: body)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// 200 with no body (`/health`, `/ping`), or another status.
    static func empty(status: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentLength] = "0"
        return Response(status: .init(code: status), headers: headers, body: ResponseBody())
    }
}
