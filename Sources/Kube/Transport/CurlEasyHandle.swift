import CCurl
import Foundation

/// One libcurl easy handle and the memory it points into (header lists, error buffer).
///
/// Not thread-safe: it is configured by the submitting thread before the loop sees it, and after
/// that only the loop thread touches it. Releasing it frees the handle, so the loop drops its last
/// reference only after removing the handle from the multi handle.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        try CurlLibrary.ensureInitialised()
        guard let handle = curl_easy_init() else {
            throw TransportError.other(code: -1, detail: "libcurl could not create a transfer handle")
        }
        raw = handle
        let size = Int(CURL_ERROR_SIZE)
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
    }

    deinit {
        curl_easy_cleanup(raw)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    /// The text libcurl left in the error buffer for the last failure; empty when it left none.
    var errorText: String {
        String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(kvd_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, _ value: Bool) throws {
        try set(option, value ? 1 : 0)
    }

    /// Strings are copied by libcurl; nil resets the option to "none".
    func set(_ option: CURLoption, _ value: String?) throws {
        guard let value else {
            try check(kvd_setopt_str(raw, option, nil), option)
            return
        }
        try value.withCString { try check(kvd_setopt_str(raw, option, $0), option) }
    }

    func set(_ option: CURLoption, offset value: Int64) throws {
        try check(kvd_setopt_off(raw, option, curl_off_t(value)), option)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
        try check(kvd_setopt_ptr(raw, option, value), option)
    }

    /// In-memory certificate, key or CA bundle; libcurl copies the bytes.
    func set(_ option: CURLoption, blob: Data) throws {
        try blob.withUnsafeBytes { bytes in
            try check(kvd_setopt_blob(raw, option, bytes.baseAddress, bytes.count), option)
        }
    }

    /// A string list (headers, connect-to rules); kept alive until the handle is freed.
    func set(_ option: CURLoption, list items: [String]) throws {
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items {
            guard let grown = curl_slist_append(list, item) else {
                if let list { curl_slist_free_all(list) }
                throw TransportError.other(code: Int(CURLE_OUT_OF_MEMORY.rawValue), detail: "out of memory building a request")
            }
            list = grown
        }
        guard let list else { return }
        lists.append(list)
        try check(kvd_setopt_slist(raw, option, list), option)
    }

    func set(_ option: CURLoption, callback: kvd_data_fn) throws {
        try check(kvd_setopt_datafn(raw, option, callback), option)
    }

    func info(long item: CURLINFO) -> Int? {
        var value = 0
        return kvd_getinfo_long(raw, item, &value) == CURLE_OK ? value : nil
    }

    /// Errors name the option number only: the value may be a secret (a key, a proxy password).
    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code != CURLE_OK else { return }
        throw TransportError.invalidRequest("libcurl rejected option \(option.rawValue): \(CurlLibrary.describe(code))")
    }
}
