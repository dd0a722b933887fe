import Foundation
import Kube

/// One log line: when it was written (the server's `timestamps=true` prefix), which pod and
/// container wrote it, and its text.
public struct LogLine: Sendable, Equatable {
    public var time: Date?
    public var pod: String
    public var container: String
    public var text: String

    public init(time: Date?, pod: String, container: String, text: String) {
        self.time = time
        self.pod = pod
        self.container = container
        self.text = text
    }

    /// Splits "2026-01-02T10:11:12.123456789Z message" into its time and text; a line without a
    /// readable prefix keeps all its text and no time.
    public static func parse(_ raw: String, pod: String, container: String) -> LogLine {
        if let space = raw.firstIndex(of: " "), raw.first?.isNumber == true,
           let time = KubeTime.date(from: String(raw[..<space])) {
            return LogLine(time: time, pod: pod, container: container, text: String(raw[raw.index(after: space)...]))
        }
        return LogLine(time: nil, pod: pod, container: container, text: raw)
    }
}

/// The lines of a log view, merged by time across pods and bounded: the oldest lines go once
/// `capacity` is reached, so memory stays flat however long the view follows (k9s issue #1188).
/// A line longer than `maxLineLength` is cut. Lines of one stream stay in their order; a line
/// without a time sorts as if written at its stream's last time.
public struct LogBuffer: Sendable {
    public let capacity: Int
    public let maxLineLength: Int
    public private(set) var lines: [LogLine] = []
    /// How many lines were dropped from the front since the start (for "N older lines dropped").
    public private(set) var dropped = 0
    private var lastTime: [String: Date] = [:]

    public init(capacity: Int = 10_000, maxLineLength: Int = 4_096) {
        self.capacity = max(1, capacity)
        self.maxLineLength = maxLineLength
    }

    public var count: Int { lines.count }

    public mutating func append(_ line: LogLine) {
        var line = line
        if line.text.utf8.count > maxLineLength { line.text = String(line.text.prefix(maxLineLength)) + " [cut]" }
        let stream = line.pod + "/" + line.container
        if let t = line.time { lastTime[stream] = t } else { line.time = lastTime[stream] }
        // Streams deliver in order, so the place is almost always the end: search back from it.
        var index = lines.count
        if let t = line.time {
            while index > 0, let previous = lines[index - 1].time, previous > t { index -= 1 }
        }
        lines.insert(line, at: index)
        if lines.count > capacity {
            // Drop in batches so a full buffer does not shift its whole array on every line.
            let excess = lines.count - capacity + capacity / 10
            lines.removeFirst(min(excess, lines.count))
            dropped += excess
        }
    }

    public mutating func removeAll() {
        lines.removeAll()
        lastTime.removeAll()
        dropped = 0
    }
}
