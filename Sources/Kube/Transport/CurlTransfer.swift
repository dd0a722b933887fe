import CCurl
import Foundation

/// One request in flight: its easy handle, what has arrived so far, and who is waiting for it.
///
/// Confinement: after `CurlMultiLoop.submit`, every member except `cancelRequested` is touched only
/// by the loop thread (the libcurl callbacks run there too). Before submission only the submitting
/// task touches it. So the class is `@unchecked Sendable` with one lock for the one shared flag.
final class CurlTransfer: @unchecked Sendable {
    /// Where the outcome goes.
    enum Sink {
        /// `send`: the whole response at the end.
        case buffered(CheckedContinuation<HTTPResponse, Error>)
        /// `stream`: the head as soon as it is complete, then body chunks into the buffer.
        case streaming(head: CheckedContinuation<ResponseHead, Error>, body: StreamBodyBuffer)
    }

    /// What error messages may say about the request: never the query, user info or headers.
    struct Target: Sendable {
        var host: String
        var redactedURL: String
        /// The overall limit (nil for a stream without one) and the connect limit, for timeout errors.
        var timeout: Duration?
        var connectTimeout: Duration
        /// Set when a proxy is configured; see `CurlRequestSetup.proxyAuthority`.
        var proxyAuthority: String?
    }

    private(set) var easy: CurlEasyHandle?
    let target: Target
    private var sink: Sink?
    private var parser = ResponseHeadParser()
    private var headDelivered = false
    private var body = Data()
    /// Loop thread only: when a quiet transfer gets nudged, and whether back-pressure paused it
    /// (a paused transfer is quiet on purpose and must not be unpaused by a nudge).
    var stallNudge = StallNudge(now: .now)
    var pausedForBackPressure = false

    private let flagLock = NSLock()
    private var cancelFlag = false

    init(easy: CurlEasyHandle, target: Target) throws {
        self.easy = easy
        self.target = target
        let context = Unmanaged.passUnretained(self).toOpaque()
        // The context is unretained: the loop holds the transfer for as long as the handle is in
        // the multi handle, which is the only time libcurl calls back.
        try easy.set(CURLOPT_HEADERFUNCTION, callback: curlHeaderCallback)
        try easy.set(CURLOPT_HEADERDATA, pointer: context)
        try easy.set(CURLOPT_WRITEFUNCTION, callback: curlWriteCallback)
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
    }

    /// Called once, before submission.
    func setSink(_ sink: Sink) {
        self.sink = sink
    }

    /// Set from any thread; the loop checks it when the transfer is added.
    var cancelRequested: Bool {
        get { flagLock.withLock { cancelFlag } }
        set { flagLock.withLock { cancelFlag = newValue } }
    }

    // MARK: libcurl callbacks (loop thread)

    fileprivate func receiveHeaderLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        stallNudge.progressed(at: .now)
        let line = String(decoding: bytes, as: UTF8.self)
        guard case .completedFinalHead(let head) = parser.consume(line: line[...]) else { return }
        if case .streaming(let headContinuation, _) = sink, !headDelivered {
            headDelivered = true
            headContinuation.resume(returning: head)
        }
    }

    /// Returns what libcurl expects: the byte count when taken, CURL_WRITEFUNC_PAUSE to pause, 0 to abort.
    fileprivate func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        stallNudge.progressed(at: .now)
        switch sink {
        case .buffered:
            body.append(contentsOf: bytes)
            return bytes.count
        case .streaming(_, let buffer):
            switch buffer.append(Data(bytes)) {
            case .accepted: return bytes.count
            case .refusedPause:
                pausedForBackPressure = true
                return Int(CURL_WRITEFUNC_PAUSE)
            case .refusedConsumerGone: return 0
            }
        case nil:
            return 0
        }
    }

    // MARK: Completion (loop thread)

    /// The transfer is out of the multi handle: free the easy handle here, on the loop thread,
    /// then report the outcome.
    func complete(_ code: CURLcode) {
        let outcome: Result<Void, TransportError>
        if code == CURLE_OK {
            outcome = .success(())
        } else {
            outcome = .failure(CurlErrorMapping.error(for: code, detail: easy?.errorText ?? "", target: target))
        }
        let version = easy?.info(long: CURLINFO_HTTP_VERSION).map(Self.versionName) ?? parser.partialHead?.httpVersion ?? "1.1"
        let fallbackStatus = easy?.info(long: CURLINFO_RESPONSE_CODE) ?? 0
        easy = nil
        deliver(outcome, version: version, fallbackStatus: fallbackStatus)
    }

    /// Ends the transfer with an error that did not come from libcurl (cancellation, shutdown).
    func fail(_ error: TransportError) {
        easy = nil
        deliver(.failure(error), version: "1.1", fallbackStatus: 0)
    }

    private func deliver(_ outcome: Result<Void, TransportError>, version: String, fallbackStatus: Int) {
        guard let sink else { return }
        self.sink = nil
        let head = parser.partialHead ?? ResponseHead(status: fallbackStatus, headers: [:], httpVersion: version)
        switch (sink, outcome) {
        case (.buffered(let continuation), .success):
            continuation.resume(returning: HTTPResponse(status: head.status, headers: head.headers, body: body, httpVersion: version))
        case (.buffered(let continuation), .failure(let error)):
            continuation.resume(throwing: error)
        case (.streaming(let headContinuation, let buffer), .success):
            if !headDelivered {
                headDelivered = true
                headContinuation.resume(returning: head)
            }
            buffer.finish(nil)
        case (.streaming(let headContinuation, let buffer), .failure(let error)):
            if !headDelivered {
                headDelivered = true
                headContinuation.resume(throwing: error)
            }
            buffer.finish(error)
        }
        body = Data()
    }

    /// CURLINFO_HTTP_VERSION values: CURL_HTTP_VERSION_1_0 = 1, 1_1 = 2, 2_0 = 3, 3 = 30.
    static func versionName(_ value: Int) -> String {
        switch value {
        case 1: return "1.0"
        case 3: return "2"
        case 30: return "3"
        default: return "1.1"
        }
    }
}

// Non-capturing, so they convert to C function pointers. `userdata` is the transfer (unretained).
private let curlHeaderCallback: kvd_data_fn = { buffer, size, count, userdata in
    let length = size * count
    guard let buffer, let userdata else { return length }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.receiveHeaderLine(UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private let curlWriteCallback: kvd_data_fn = { buffer, size, count, userdata in
    let length = size * count
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.receiveBody(UnsafeBufferPointer(start: $0, count: length))
    }
}
