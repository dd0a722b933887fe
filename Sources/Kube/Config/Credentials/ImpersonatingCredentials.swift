import Foundation

/// Who to act as (`user.as`, `as-uid`, `as-groups`, `as-user-extra`).
public struct Impersonation: Sendable, Equatable {
    public var user: String
    public var uid: String?
    public var groups: [String]
    /// Extra fields, key → values, in the order written.
    public var extra: [Extra]

    public struct Extra: Sendable, Equatable {
        public var key: String
        public var values: [String]
        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }
    }

    public init(user: String, uid: String? = nil, groups: [String] = [], extra: [Extra] = []) {
        self.user = user
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    /// The headers client-go's ImpersonatingRoundTripper sends: one Impersonate-Group per group
    /// and one Impersonate-Extra-<key> per value, the key percent-encoded (transport/round_trippers.go).
    public var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("Impersonate-User", user)]
        if let uid { headers.append(("Impersonate-Uid", uid)) }
        headers += groups.map { ("Impersonate-Group", $0) }
        for item in extra {
            let name = "Impersonate-Extra-" + Self.headerKeyEscape(item.key)
            headers += item.values.map { (name, $0) }
        }
        return headers
    }

    /// Percent-encodes every byte that is not a legal header-name token character, and "%",
    /// as client-go's headerKeyEscape does.
    static func headerKeyEscape(_ key: String) -> String {
        let legal = Set("!#$&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        var escaped = ""
        for byte in key.utf8 {
            if legal.contains(byte) {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                escaped += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return escaped
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Adds impersonation headers after another source has authorized the request.
public struct ImpersonatingCredentials: CredentialSource {
    public let base: any CredentialSource
    public let impersonation: Impersonation

    public init(base: any CredentialSource, impersonation: Impersonation) {
        self.base = base
        self.impersonation = impersonation
    }

    public func authorize(_ request: inout HTTPRequest) async throws {
        try await base.authorize(&request)
        let names = Set(impersonation.headers.map { $0.name.lowercased() })
        request.headers.removeAll { names.contains($0.name.lowercased()) }
        request.headers += impersonation.headers
    }

    public func invalidate() async -> Bool { await base.invalidate() }
}
