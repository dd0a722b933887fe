import Foundation

/// One container's log as the stand-in kubelet keeps it: the newest `capacity` lines with the
/// time each was written, and the open `follow` streams that hear each new line.
public struct PodLogRing: Sendable {
    struct Line: Sendable {
        var time: Date
        var text: String
    }

    /// What a log request asked for (core/v1 PodLogOptions, already validated).
    public struct Query: Sendable {
        var timestamps = false
        var tailLines: Int?
        var since: Date?
        var limitBytes: Int?
    }

    let capacity: Int
    private(set) var lines: [Line] = []
    private var followers: [UUID: Follower] = [:]

    private struct Follower: Sendable {
        var continuation: AsyncStream<Data>.Continuation
        var query: Query
        var bytesLeft: Int?
    }

    init(capacity: Int) { self.capacity = max(capacity, 1) }

    mutating func append(_ text: String, at time: Date) {
        let line = Line(time: time, text: text)
        lines.append(line)
        // Drop in batches so appends stay amortised O(1).
        if lines.count > capacity + capacity / 4 { lines.removeFirst(lines.count - capacity) }
        for (id, var follower) in followers {
            let data = Self.render(line, follower.query)
            if let left = follower.bytesLeft {
                follower.continuation.yield(data.prefix(left))
                follower.bytesLeft = left - data.count
                if left - data.count <= 0 {
                    follower.continuation.finish()
                    followers[id] = nil
                    continue
                }
            } else {
                follower.continuation.yield(data)
            }
            followers[id] = follower
        }
    }

    /// The kubelet's order: the last `tailLines` first, then the `since` filter, then `limitBytes`.
    func read(_ query: Query) -> Data {
        var kept = lines.count > capacity ? Array(lines.suffix(capacity)) : lines
        if let tail = query.tailLines { kept = Array(kept.suffix(max(tail, 0))) }
        if let since = query.since { kept = kept.filter { $0.time >= since } }
        var out = Data()
        for line in kept { out.append(Self.render(line, query)) }
        if let limit = query.limitBytes, out.count > limit { out = out.prefix(limit) }
        return out
    }

    /// Adds a follower that has already been sent `alreadySent` bytes of `query.limitBytes`.
    /// Returns false when the limit is used up (the stream should end at once).
    mutating func follow(_ id: UUID, _ continuation: AsyncStream<Data>.Continuation, query: Query, alreadySent: Int) -> Bool {
        let left = query.limitBytes.map { $0 - alreadySent }
        if let left, left <= 0 { return false }
        followers[id] = Follower(continuation: continuation, query: query, bytesLeft: left)
        return true
    }

    mutating func unfollow(_ id: UUID) { followers[id] = nil }

    /// The container stopped: every follow stream ends, as the kubelet's does.
    mutating func finishFollowers() {
        for follower in followers.values { follower.continuation.finish() }
        followers = [:]
    }

    static func render(_ line: Line, _ query: Query) -> Data {
        Data(((query.timestamps ? timestamp(line.time) + " " : "") + line.text + "\n").utf8)
    }

    /// The kubelet's `2006-01-02T15:04:05.000000000Z07:00`: always nine fraction digits, UTC.
    static func timestamp(_ date: Date) -> String {
        let seconds = floor(date.timeIntervalSince1970)
        let nanos = min(Int(((date.timeIntervalSince1970 - seconds) * 1e9).rounded()), 999_999_999)
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        let base = f.string(from: Date(timeIntervalSince1970: seconds))
        return String(base.dropLast()) + "." + String(format: "%09d", nanos) + "Z"
    }
}
