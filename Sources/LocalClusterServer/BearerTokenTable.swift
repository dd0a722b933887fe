import Crypto
import Foundation

/// Bearer token → user name, checked in constant time: both sides are hashed (so lengths do not
/// show) and every entry is compared without stopping at the first match. Tokens are secrets and
/// never appear in descriptions or logs.
struct BearerTokenTable: Sendable, CustomStringConvertible {
    private let entries: [(digest: [UInt8], user: String)]

    init(_ tokens: [String: String]) {
        entries = tokens.map { (digest: Array(SHA256.hash(data: Data($0.key.utf8))), user: $0.value) }
    }

    /// The user for an `Authorization` header value, or nil when it is missing, not a bearer
    /// token, or an unknown token.
    func user(forAuthorization header: String?) -> String? {
        guard let header else { return nil }
        let scheme = "bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme else { return nil }
        let token = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { return nil }
        let digest = Array(SHA256.hash(data: Data(token.utf8)))
        var found: String?
        for entry in entries {
            var difference: UInt8 = 0
            for index in 0..<digest.count { difference |= digest[index] ^ entry.digest[index] }
            if difference == 0 { found = entry.user }
        }
        return found
    }

    var description: String { "BearerTokenTable(\(entries.count) tokens)" }
}
