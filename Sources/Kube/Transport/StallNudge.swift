/// When the loop should nudge a transfer that has gone quiet (see `CurlMultiLoop.nudgeStalled`).
///
/// libcurl 7.88, the version Debian 12 ships, can read a stream's last HTTP/2 DATA frame off the
/// socket while it runs another transfer of the same connection, keep it in that stream's buffer,
/// and then never run the stream again, because nothing more arrives on the socket: the request
/// hangs until its timeout (later libcurl reworked this code). Pausing and unpausing the transfer
/// makes libcurl check it once more, which delivers what waits. A quiet transfer is nudged after
/// `first` without progress, then after twice as long each time up to `longest`, so an idle watch
/// costs one pause/unpause every `longest`, and any progress starts the schedule again.
struct StallNudge {
    static let first: Duration = .seconds(1)
    static let longest: Duration = .seconds(8)

    private(set) var due: ContinuousClock.Instant
    private var delay: Duration

    init(now: ContinuousClock.Instant) {
        delay = Self.first
        due = now + delay
    }

    /// Bytes or a header line arrived.
    mutating func progressed(at now: ContinuousClock.Instant) {
        delay = Self.first
        due = now + delay
    }

    func isDue(at now: ContinuousClock.Instant) -> Bool {
        now >= due
    }

    /// The transfer was nudged; the next nudge waits twice as long.
    mutating func nudged(at now: ContinuousClock.Instant) {
        delay = min(delay * 2, Self.longest)
        due = now + delay
    }
}
