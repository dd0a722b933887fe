import Foundation

/// How a request reaches a server whose certificate names `serverName` (kubeconfig
/// `tls-server-name`) rather than the host in the URL.
///
/// libcurl takes the SNI name and the name checked against the certificate from the URL, and has
/// no separate option for them. So the URL's host becomes `serverName`, CURLOPT_CONNECT_TO sends
/// the TCP connection to the real host and port, and an explicit Host header keeps the real host
/// in the request, as client-go does (its ServerName only affects TLS). CONNECT_TO, unlike
/// CURLOPT_RESOLVE, also works when the real host is a DNS name rather than an address.
struct ServerNameRoute: Equatable {
    /// The URL libcurl is given: the original with its host replaced by the server name.
    var url: String
    /// "serverName:port:realHost:realPort" for CURLOPT_CONNECT_TO.
    var connectTo: String
    /// The real authority, for the Host header.
    var hostHeader: String

    /// nil when no route is needed (no server name, or the same as the URL's host).
    static func make(url: URL, serverName: String?) throws -> ServerNameRoute? {
        guard let serverName, !serverName.isEmpty else { return nil }
        guard serverName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }) else {
            throw TransportError.invalidRequest("tls server name \"\(serverName)\" is not a host name")
        }
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let realHost = components.host, !realHost.isEmpty else {
            throw TransportError.invalidRequest("the URL has no host")
        }
        if realHost.caseInsensitiveCompare(serverName) == .orderedSame { return nil }
        let port = components.port ?? (components.scheme?.lowercased() == "http" ? 80 : 443)
        let bracketedHost = realHost.contains(":") && !realHost.hasPrefix("[") ? "[\(realHost)]" : realHost
        components.host = serverName
        guard let rewritten = components.url?.absoluteString else {
            throw TransportError.invalidRequest("cannot route the URL through tls server name \"\(serverName)\"")
        }
        let hostHeader = components.port.map { "\(bracketedHost):\($0)" } ?? bracketedHost
        return ServerNameRoute(url: rewritten, connectTo: "\(serverName):\(port):\(bracketedHost):\(port)", hostHeader: hostHeader)
    }
}
