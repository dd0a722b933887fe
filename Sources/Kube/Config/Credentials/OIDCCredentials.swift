import Foundation

/// The legacy `oidc` auth-provider, reduced to what kvdeck supports: the stored `id-token` is
/// sent as the bearer token while its `exp` claim is in the future. Refreshing with the
/// `refresh-token` (and writing the new tokens back into the kubeconfig) is not implemented,
/// so an expired token is a clear error asking the user to log in again.
public struct OIDCCredentials: CredentialSource, CustomStringConvertible {
    public let userName: String
    private let idToken: Redacted<String>
    private let clock: WallClock

    public init(userName: String, idToken: String, clock: @escaping WallClock = { Date() }) {
        self.userName = userName
        self.idToken = Redacted(idToken)
        self.clock = clock
    }

    public func authorize(_ request: inout HTTPRequest) async throws {
        guard !idToken.value.isEmpty else {
            throw CredentialError.oidcTokenMissing(user: userName, detail: "id-token is not set in its config")
        }
        if let expiry = try Self.expiry(ofJWT: idToken.value, user: userName), expiry <= clock() {
            throw CredentialError.oidcTokenExpired(user: userName, expiredAt: expiry)
        }
        request.setHeader("Authorization", "Bearer \(idToken.value)")
    }

    /// Nothing can be refreshed, so a retry after a 401 would fail the same way.
    public func invalidate() async -> Bool { false }

    public var description: String { "OIDCCredentials(user: \(userName), id-token: <redacted>)" }

    /// The `exp` claim of a JWT (seconds since 1970), or nil when it has none. The signature is
    /// not checked: the API server does that; we only want to fail early and say why.
    static func expiry(ofJWT token: String, user: String) throws -> Date? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64URLDecode(parts[1]),
              let claims = try? JSONSerialization.jsonObject(with: payload) as? [String: Any]
        else {
            throw CredentialError.oidcTokenMissing(user: user, detail: "id-token is not a JWT")
        }
        guard let exp = claims["exp"] as? NSNumber else { return nil }
        return Date(timeIntervalSince1970: exp.doubleValue)
    }

    private static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
