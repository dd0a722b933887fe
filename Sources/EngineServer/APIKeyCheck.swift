import Crypto
import Foundation

/// vLLM's `AuthenticationMiddleware` (reference §2.1): with `--api-key`, every path under `/v1`
/// needs `Authorization: Bearer <key>`; OPTIONS and every other path (`/health`, `/metrics`,
/// `/tokenize`) stay open. Keys are compared as SHA-256 digests in constant time, so neither the
/// key's length nor how much of it matched shows in the timing. The key never reaches a log.
struct APIKeyCheck: Sendable, CustomStringConvertible {
    private let digest: [UInt8]?

    init(apiKey: String?) {
        digest = apiKey.map { Array(SHA256.hash(data: Data($0.utf8))) }
    }

    var isEnabled: Bool { digest != nil }

    func allows(method: String, path: String, authorization: String?) -> Bool {
        guard let digest else { return true }
        // vLLM tests `startswith("/v1")`.
        guard method != "OPTIONS", path.hasPrefix("/v1") else { return true }
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let offered = Array(SHA256.hash(data: Data(authorization.dropFirst("Bearer ".count).utf8)))
        var difference: UInt8 = 0
        for i in 0..<digest.count { difference |= digest[i] ^ offered[i] }
        return difference == 0
    }

    /// vLLM's exact 401 body.
    static let unauthorizedBody = "{\"error\":\"Unauthorized\"}"

    var description: String { isEnabled ? "APIKeyCheck(on)" : "APIKeyCheck(off)" }
}
