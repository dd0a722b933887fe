/// Finds stop strings in streamed text (OpenAI/vLLM `stop` semantics): text that might be the
/// start of a stop string is held back until the next delta settles it, a match ends the stream,
/// and the stop string itself (and anything after it) is never emitted.
///
/// Works on UTF-8 bytes: deltas hold whole characters, and UTF-8 is self-synchronising, so a
/// byte-level match or cut always falls on a character boundary. (Matching `String`s would compare
/// grapheme clusters, and a combining mark in the next delta could change an earlier comparison.)
public struct StopStringMatcher: Sendable {
    private let stops: [[UInt8]]
    private let includeStop: Bool
    /// Text received but not yet released.
    private var pending: [UInt8] = []
    public private(set) var matched: String?

    public init(stops: [String], includeStopInOutput: Bool = false) {
        self.stops = stops.map { Array($0.utf8) }.filter { !$0.isEmpty }
        self.includeStop = includeStopInOutput
    }

    public var isActive: Bool { !stops.isEmpty }

    /// Takes the next text delta; returns the text that is now safe to emit. After a match
    /// (`matched != nil`) the stream is over and further deltas are ignored.
    public mutating func feed(_ delta: String) -> String {
        guard matched == nil else { return "" }
        guard isActive else { return delta }
        pending.append(contentsOf: delta.utf8)
        if let (at, stop) = earliestMatch() {
            matched = String(decoding: stop, as: UTF8.self)
            let end = includeStop ? at + stop.count : at
            let out = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeAll()
            return out
        }
        let keep = longestSuffixThatStartsAStop()
        let out = String(decoding: pending[..<(pending.count - keep)], as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return out
    }

    /// Releases held text when the stream ends for another reason (length, eos).
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return matched == nil ? String(decoding: pending, as: UTF8.self) : ""
    }

    private func earliestMatch() -> (Int, [UInt8])? {
        var best: (Int, [UInt8])?
        for stop in stops where stop.count <= pending.count {
            for start in 0...(pending.count - stop.count) {
                if let b = best, start >= b.0 { break }
                if pending[start..<(start + stop.count)].elementsEqual(stop) { best = (start, stop); break }
            }
        }
        return best
    }

    /// The length of the longest proper suffix of `pending` that is a prefix of some stop string.
    private func longestSuffixThatStartsAStop() -> Int {
        var keep = 0
        for stop in stops {
            var n = min(stop.count - 1, pending.count)
            while n > keep {
                if pending[(pending.count - n)...].elementsEqual(stop[..<n]) { keep = n; break }
                n -= 1
            }
        }
        return keep
    }
}
