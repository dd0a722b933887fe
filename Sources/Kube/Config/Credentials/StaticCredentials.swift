import Foundation

/// A fixed bearer token (`user.token`).
public struct BearerTokenCredentials: CredentialSource, CustomStringConvertible {
    private let token: Redacted<String>

    public init(token: String) { self.token = Redacted(token) }

    public func authorize(_ request: inout HTTPRequest) async throws {
        request.setHeader("Authorization", "Bearer \(token.value)")
    }

    /// A fixed token cannot get better by asking again.
    public func invalidate() async -> Bool { false }

    public var description: String { "BearerTokenCredentials(token: <redacted>)" }
}

/// HTTP basic authentication (`user.username` and `user.password`).
public struct BasicAuthCredentials: CredentialSource, CustomStringConvertible {
    public let username: String
    private let password: Redacted<String>

    public init(username: String, password: String) {
        self.username = username
        self.password = Redacted(password)
    }

    public func authorize(_ request: inout HTTPRequest) async throws {
        let pair = Data("\(username):\(password.value)".utf8).base64EncodedString()
        request.setHeader("Authorization", "Basic \(pair)")
    }

    public func invalidate() async -> Bool { false }

    public var description: String { "BasicAuthCredentials(username: \(username), password: <redacted>)" }
}

extension HTTPRequest {
    /// Replaces every header of this name (compared without case) with one value.
    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
        headers.append((name: name, value: value))
    }
}
