/// Jittered exponential backoff between reconnect attempts, so that many consoles losing the
/// same API server do not come back in lockstep.
public struct ReconnectBackoff: Sendable, Equatable {
    public var base: Duration
    public var maximum: Duration
    /// Fraction of the delay added or removed at random (0.2 = ±20%).
    public var jitter: Double

    public init(base: Duration = .milliseconds(800), maximum: Duration = .seconds(30), jitter: Double = 0.2) {
        self.base = base
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay before attempt `attempt` (1-based): base doubling per attempt up to `maximum`,
    /// then scaled by 1 ± jitter. `unitRandom` is in 0..<1 (0.5 gives the unjittered delay).
    public func delay(attempt: Int, unitRandom: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = min(seconds(base) * Double(1 << exponent), seconds(maximum))
        let factor = 1 + jitter * (2 * min(max(unitRandom, 0), 1) - 1)
        return .nanoseconds(Int64((raw * factor * 1e9).rounded()))
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
