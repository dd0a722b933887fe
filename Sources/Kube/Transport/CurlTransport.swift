import Foundation

/// The real `HTTPTransport`: libcurl, with every request of this transport driven by one
/// background thread (see `CurlMultiLoop`).
///
/// TLS verification is on unless `insecureSkipVerify`; CA, client certificate and key come from
/// memory. HTTP/2 is used where the server offers it, and requests to one server then share a
/// connection. Proxies are used only when `proxyURL` is set: environment variables such as
/// `https_proxy` are ignored, because the kubeconfig is the one place that says how to reach a
/// cluster.
///
/// Call `shutdown()` to stop the loop thread early; otherwise it stops when the transport is freed.
/// Requests still in flight then fail with `TransportError.cancelled`.
public final class CurlTransport: HTTPTransport {
    private let setup: CurlRequestSetup
    private let loop: CurlMultiLoop

    public init(options: TransportOptions) throws {
        setup = try CurlRequestSetup(options: options)
        loop = try CurlMultiLoop()
    }

    deinit {
        loop.stop()
    }

    /// Stops the loop thread and fails requests in flight as cancelled. Later requests fail at once.
    public func shutdown() {
        loop.stop()
    }

    /// Loop threads this transport has started: 1 for its whole life.
    var loopThreadCount: Int { loop.startedThreadCount }

    /// Times a stream paused by back-pressure was resumed.
    var streamResumeCount: Int { loop.resumeCount }

    /// Times a quiet transfer was nudged (see `StallNudge`).
    var stallNudgeCount: Int { loop.nudgeCount }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = try setup.makeTransfer(for: request, mode: .complete)
        let loop = self.loop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.setSink(.buffered(continuation))
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }

    public func stream(_ request: HTTPRequest) async throws -> StreamingResponse {
        let transfer = try setup.makeTransfer(for: request, mode: .streaming)
        let loop = self.loop
        let buffer = StreamBodyBuffer()
        buffer.attach(resume: { loop.resume(transfer) }, cancel: { loop.cancel(transfer) })
        let head: ResponseHead
        do {
            head = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    transfer.setSink(.streaming(head: continuation, body: buffer))
                    loop.submit(transfer)
                }
            } onCancel: {
                loop.cancel(transfer)
            }
        } catch {
            buffer.consumerFinished()
            throw error
        }
        let reader = StreamBodyReader(buffer: buffer)
        let body = AsyncThrowingStream<Data, Error> { try await reader.next() }
        return StreamingResponse(status: head.status, headers: head.headers, body: body)
    }
}

/// Ties a streaming transfer to the life of its body stream: the stream's iteration closure holds
/// the only reference, so when the consumer drops the stream (it stopped iterating and let go of
/// the response), the transfer is removed instead of running on unread.
private final class StreamBodyReader: Sendable {
    private let buffer: StreamBodyBuffer

    init(buffer: StreamBodyBuffer) {
        self.buffer = buffer
    }

    deinit {
        buffer.consumerFinished()
    }

    func next() async throws -> Data? {
        try await buffer.next()
    }
}
