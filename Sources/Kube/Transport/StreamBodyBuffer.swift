import Foundation

/// Body chunks of a streaming response, waiting between the loop thread (producer) and the one
/// task that iterates the body (consumer).
///
/// Back-pressure: once `highWater` bytes sit unread, `append` refuses the chunk and the loop tells
/// libcurl to pause the transfer (CURL_WRITEFUNC_PAUSE keeps the refused bytes inside libcurl).
/// When the consumer has drained to `lowWater`, `resumeTransfer` asks the loop to unpause. So an
/// idle consumer of a fast stream holds at most about `highWater` plus one chunk.
final class StreamBodyBuffer: @unchecked Sendable {
    enum AppendResult: Equatable {
        case accepted
        /// Not taken; pause the transfer and offer the bytes again after `resumeTransfer`.
        case refusedPause
        /// The consumer is gone; abort the transfer.
        case refusedConsumerGone
    }

    static let defaultHighWater = 4 << 20
    static let defaultLowWater = 1 << 20

    private let lock = NSLock()
    private let highWater: Int
    private let lowWater: Int
    // Guarded by `lock`.
    private var chunks: [Data] = []
    private var chunkIndex = 0
    private var bufferedBytes = 0
    private var paused = false
    private var ending: Result<Void, Error>?
    private var consumerGone = false
    private var waiter: CheckedContinuation<Data?, Error>?
    private var resumeTransfer: (@Sendable () -> Void)?
    private var cancelTransfer: (@Sendable () -> Void)?

    init(highWater: Int = StreamBodyBuffer.defaultHighWater, lowWater: Int = StreamBodyBuffer.defaultLowWater) {
        self.highWater = highWater
        self.lowWater = min(lowWater, highWater)
    }

    /// Connects the buffer to its transfer: how to unpause it and how to stop it.
    func attach(resume: @escaping @Sendable () -> Void, cancel: @escaping @Sendable () -> Void) {
        lock.withLock {
            resumeTransfer = resume
            cancelTransfer = cancel
        }
    }

    /// Bytes waiting for the consumer (for tests and diagnostics).
    var unreadByteCount: Int { lock.withLock { bufferedBytes } }

    /// Bytes the queue still references, taken chunks included (for tests: must equal `unreadByteCount`).
    var heldByteCount: Int { lock.withLock { chunks.reduce(0) { $0 + $1.count } } }

    /// Whether the producer is currently told to pause.
    var isPaused: Bool { lock.withLock { paused } }

    // MARK: Producer (loop thread)

    func append(_ data: Data) -> AppendResult {
        guard !data.isEmpty else { return .accepted }
        let handOff: CheckedContinuation<Data?, Error>?
        lock.lock()
        if consumerGone {
            lock.unlock()
            return .refusedConsumerGone
        }
        if let waiting = waiter {
            waiter = nil
            handOff = waiting
        } else if bufferedBytes >= highWater {
            paused = true
            lock.unlock()
            return .refusedPause
        } else {
            chunks.append(data)
            bufferedBytes += data.count
            handOff = nil
        }
        lock.unlock()
        handOff?.resume(returning: data)
        return .accepted
    }

    /// The transfer ended: nil after the whole body, or the error that cut it short.
    func finish(_ error: Error?) {
        lock.lock()
        guard ending == nil else {
            lock.unlock()
            return
        }
        ending = error.map { .failure($0) } ?? .success(())
        let waiting = waiter
        waiter = nil
        lock.unlock()
        if let waiting { deliverEnding(to: waiting) }
    }

    // MARK: Consumer

    /// The next chunk, nil at the end of the body. Cancelling the calling task stops the transfer
    /// and throws `TransportError.cancelled`.
    func next() async throws -> Data? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data?, Error>) in
                lock.lock()
                if consumerGone {
                    lock.unlock()
                    continuation.resume(throwing: TransportError.cancelled)
                } else if chunkIndex < chunks.count {
                    let chunk = takeChunkLocked()
                    let resume = shouldResumeLocked() ? resumeTransfer : nil
                    lock.unlock()
                    resume?()
                    continuation.resume(returning: chunk)
                } else if ending != nil {
                    lock.unlock()
                    deliverEnding(to: continuation)
                } else if waiter != nil {
                    lock.unlock()
                    continuation.resume(throwing: TransportError.invalidRequest("a response body was iterated by two tasks at once"))
                } else {
                    waiter = continuation
                    let resume = shouldResumeLocked() ? resumeTransfer : nil
                    lock.unlock()
                    resume?()
                }
            }
        } onCancel: {
            consumerFinished()
        }
    }

    /// The consumer stopped (task cancelled, or the body stream was dropped): stop the transfer
    /// and free what is buffered.
    func consumerFinished() {
        lock.lock()
        guard !consumerGone else {
            lock.unlock()
            return
        }
        consumerGone = true
        chunks = []
        chunkIndex = 0
        bufferedBytes = 0
        let waiting = waiter
        waiter = nil
        let cancel = ending == nil ? cancelTransfer : nil
        lock.unlock()
        waiting?.resume(throwing: TransportError.cancelled)
        cancel?()
    }

    // MARK: Private

    private func takeChunkLocked() -> Data {
        let chunk = chunks[chunkIndex]
        // Let go of the taken chunk at once: a producer that keeps ahead of the consumer means the
        // queue may never run empty, and the slots behind `chunkIndex` would otherwise keep every
        // chunk of the body alive (a 64 MB list held whole while it streams).
        chunks[chunkIndex] = Data()
        chunkIndex += 1
        bufferedBytes -= chunk.count
        if chunkIndex == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            chunkIndex = 0
        } else if chunkIndex >= 256 {
            chunks.removeFirst(chunkIndex)
            chunkIndex = 0
        }
        return chunk
    }

    private func shouldResumeLocked() -> Bool {
        guard paused, bufferedBytes <= lowWater, ending == nil else { return false }
        paused = false
        return true
    }

    /// The error is reported once; iteration after it sees the end.
    private func deliverEnding(to continuation: CheckedContinuation<Data?, Error>) {
        lock.lock()
        let result = ending
        if case .failure = result { ending = .success(()) }
        lock.unlock()
        switch result {
        case .failure(let error): continuation.resume(throwing: error)
        case .success, .none: continuation.resume(returning: nil)
        }
    }
}
