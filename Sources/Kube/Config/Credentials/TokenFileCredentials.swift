import Foundation

/// A bearer token read from `user.tokenFile` (projected service-account tokens rotate on disk).
///
/// The file is read at first use, again when the last read is older than `maxAge` and after a
/// 401 (`invalidate`). The last successful read wins: a file that cannot be read later keeps the
/// token read before, and `user.token`, when also set, is used only until a read succeeds.
public actor TokenFileCredentials: CredentialSource, CustomStringConvertible {
    public nonisolated let path: String
    private let fallbackToken: Redacted<String>?
    private let maxAge: TimeInterval
    private let clock: WallClock
    private var cached: (token: Redacted<String>, readAt: Date)?
    private var mustReread = false

    public init(path: String, fallbackToken: String? = nil, maxAge: TimeInterval = 60,
                clock: @escaping WallClock = { Date() }) {
        self.path = path
        self.fallbackToken = fallbackToken.map(Redacted.init)
        self.maxAge = maxAge
        self.clock = clock
    }

    public func authorize(_ request: inout HTTPRequest) async throws {
        request.setHeader("Authorization", "Bearer \(try currentToken())")
    }

    public func invalidate() async -> Bool {
        mustReread = true
        return true
    }

    private func currentToken() throws -> String {
        let now = clock()
        if let cached, !mustReread, now.timeIntervalSince(cached.readAt) < maxAge {
            return cached.token.value
        }
        switch readFile() {
        case let .success(token):
            cached = (Redacted(token), now)
            mustReread = false
            return token
        case let .failure(problem):
            if let cached { return cached.token.value }
            if let fallbackToken { return fallbackToken.value }
            throw problem
        }
    }

    private func readFile() -> Result<String, CredentialError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            let detail = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            return .failure(.tokenFileUnreadable(path: path, detail: detail))
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { return .failure(.tokenFileUnreadable(path: path, detail: "the file is empty")) }
        return .success(token)
    }

    public nonisolated var description: String { "TokenFileCredentials(path: \(path))" }
}
