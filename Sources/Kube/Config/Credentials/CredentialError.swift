import Foundation

/// Why a credential source could not authorize a request. Never carries the secret itself.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `tokenFile` could not be read (or was empty) and there is no earlier token to fall back on.
    case tokenFileUnreadable(path: String, detail: String)
    /// The oidc `id-token` has expired; refreshing is not supported, so the user must log in again.
    case oidcTokenExpired(user: String, expiredAt: Date)
    /// The oidc auth-provider has no usable `id-token`.
    case oidcTokenMissing(user: String, detail: String)

    public var description: String {
        switch self {
        case let .tokenFileUnreadable(path, detail):
            return "cannot read the bearer token from tokenFile \(path): \(detail)"
        case let .oidcTokenExpired(user, expiredAt):
            let stamp = ISO8601DateFormatter().string(from: expiredAt)
            return "the oidc id-token of user \"\(user)\" expired at \(stamp); log in again "
                + "(e.g. with your OIDC login tool) to get a fresh id-token — kvdeck does not refresh oidc tokens"
        case let .oidcTokenMissing(user, detail):
            return "the oidc auth-provider of user \"\(user)\" has no usable id-token: \(detail)"
        }
    }
}
