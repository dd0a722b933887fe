import Foundation

/// Bounds the generation requests in flight: `--max-num-seqs` run and at most
/// `maxWaitingRequests` wait behind them; one more is answered 429 at once rather than queued
/// without limit (a client or a load balancer can then retry elsewhere). Also what `/load` counts
/// and what a drain waits on.
final class AdmissionGate: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var requestIDs: Set<String> = []

    init(capacity: Int) { self.capacity = max(capacity, 1) }

    /// A ticket for engine request `requestID`, or nil when full.
    func admit(requestID: String) -> Ticket? {
        lock.withLock {
            guard requestIDs.count < capacity else { return nil }
            requestIDs.insert(requestID)
            return Ticket(gate: self, requestID: requestID)
        }
    }

    var count: Int { lock.withLock { requestIDs.count } }
    /// The requests in flight (a drain that runs out of time aborts them).
    var inFlight: [String] { lock.withLock { Array(requestIDs) } }

    fileprivate func leave(_ id: String) { _ = lock.withLock { requestIDs.remove(id) } }

    /// Returns when nothing is in flight, or at `deadline`; true if it emptied.
    func waitUntilEmpty(deadline: ContinuousClock.Instant) async -> Bool {
        while count > 0 {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// One admitted request; releasing twice is harmless.
    final class Ticket: @unchecked Sendable {
        let requestID: String
        private let gate: AdmissionGate
        private let lock = NSLock()
        private var released = false

        fileprivate init(gate: AdmissionGate, requestID: String) {
            self.gate = gate
            self.requestID = requestID
        }

        func release() {
            let first = lock.withLock { () -> Bool in
                defer { released = true }
                return !released
            }
            if first { gate.leave(requestID) }
        }

        deinit { release() }
    }
}
