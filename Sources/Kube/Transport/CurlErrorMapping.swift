import CCurl

/// Turns a libcurl result code into the `TransportError` a person can act on.
///
/// `detail` is libcurl's error-buffer text: it names hosts, addresses and TLS reasons, never
/// header values or keys, because the transport passes secrets to libcurl only as headers and blobs.
enum CurlErrorMapping {
    static func error(for code: CURLcode, detail rawDetail: String, target: CurlTransfer.Target) -> TransportError {
        let detail = rawDetail.isEmpty ? CurlLibrary.describe(code) : rawDetail
        switch code {
        case CURLE_COULDNT_CONNECT where mentionsProxy(rawDetail, target):
            // libcurl reports an unreachable proxy with the same code as an unreachable server.
            return .proxyFailed(detail: detail)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            return .connectFailed(host: target.host, detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            // libcurl says "Connection timed out" when CURLOPT_CONNECTTIMEOUT_MS ran out, and
            // "Operation timed out" for the overall limit.
            let connecting = rawDetail.hasPrefix("Connection timed out") || rawDetail.hasPrefix("Failed to connect")
            let limit = connecting ? target.connectTimeout : (target.timeout ?? target.connectTimeout)
            return .timedOut(url: target.redactedURL, after: limit)
        case CURLE_PEER_FAILED_VERIFICATION:
            return .tlsVerificationFailed(host: target.host, detail: detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
             CURLE_USE_SSL_FAILED:
            return .tlsHandshakeFailed(host: target.host, detail: detail)
        case CURLE_RECV_ERROR where isTLSContext(rawDetail), CURLE_SEND_ERROR where isTLSContext(rawDetail):
            // With TLS 1.3 a server that rejects the client certificate says so only after the
            // handshake, so libcurl reports it as a receive error with OpenSSL's alert text.
            return .tlsHandshakeFailed(host: target.host, detail: detail)
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_PROXY:
            return .proxyFailed(detail: detail)
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidRequest(detail)
        default:
            return .other(code: Int(code.rawValue), detail: detail)
        }
    }

    private static func mentionsProxy(_ detail: String, _ target: CurlTransfer.Target) -> Bool {
        guard let proxy = target.proxyAuthority else { return false }
        return detail.contains(proxy)
    }

    private static func isTLSContext(_ detail: String) -> Bool {
        detail.contains("SSL") || detail.contains("TLS") || detail.contains("tls")
    }
}
