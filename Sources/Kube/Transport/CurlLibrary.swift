import CCurl

/// Process-wide libcurl state. `curl_global_init` is not thread-safe and must run once before any
/// other libcurl call; a `static let` gives exactly that, because Swift initialises globals lazily
/// under `swift_once`.
enum CurlLibrary {
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    /// Initialises libcurl on first use; later calls only report the first call's result.
    static func ensureInitialised() throws {
        let code = initResult
        guard code == CURLE_OK else {
            throw TransportError.other(code: Int(code.rawValue), detail: "libcurl failed to initialise: \(CurlLibrary.describe(code))")
        }
    }

    /// libcurl's fixed English text for a result code (no request data in it).
    static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "code \(code.rawValue)" }
        return String(cString: text)
    }
}
