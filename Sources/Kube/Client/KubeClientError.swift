/// Failures that happen on our side of the wire: bad arguments, or a server answer we cannot read.
/// Errors the server reports itself are `KubeAPIError`.
public enum KubeClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The caller asked for something the API cannot express (empty name, sinceSeconds with sinceTime).
    case invalidArgument(String)
    /// The server's body was not what its status promised. `context` names the request.
    case undecodableResponse(context: String, detail: String)
    /// A watch or log line grew past the limit without a newline: a broken or hostile stream.
    case lineTooLong(limit: Int, context: String)
    /// The URL could not be formed from the server address and path.
    case invalidURL(String)

    public var description: String {
        switch self {
        case let .invalidArgument(m): return m
        case let .undecodableResponse(context, detail): return "cannot read the server's answer to \(context): \(detail)"
        case let .lineTooLong(limit, context):
            return "\(context): a line longer than \(limit) bytes arrived without an end; the stream was stopped"
        case let .invalidURL(u): return "cannot form a URL from \(u)"
        }
    }
}
