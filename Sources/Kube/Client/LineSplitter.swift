import Foundation

/// Reassembles newline-terminated lines from chunks that may split a line anywhere or carry
/// several lines at once (watch streams, followed logs).
struct LineSplitter: Sendable {
    /// What to do with a line that outgrows `maxLineLength`.
    enum Overflow: Sendable {
        /// Stop with `KubeClientError.lineTooLong` (watch: a partial JSON event is useless).
        case fail
        /// Hand out what has accumulated as a line of its own (logs: keep the text flowing).
        case split
    }

    let maxLineLength: Int
    let overflow: Overflow
    let context: String
    private var pending: [UInt8] = []

    init(maxLineLength: Int, overflow: Overflow, context: String) {
        self.maxLineLength = maxLineLength
        self.overflow = overflow
        self.context = context
    }

    /// The complete lines this chunk finishes, without their "\n" (or "\r\n").
    mutating func append(_ chunk: Data) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            pending.append(contentsOf: chunk[start..<newline])
            try checkLength(into: &lines)
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            lines.append(pending)
            pending = []
            start = chunk.index(after: newline)
        }
        pending.append(contentsOf: chunk[start...])
        try checkLength(into: &lines)
        return lines
    }

    /// The unterminated remainder once the stream has ended, if any.
    mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        return pending.isEmpty ? nil : pending
    }

    private mutating func checkLength(into lines: inout [[UInt8]]) throws {
        guard pending.count > maxLineLength else { return }
        switch overflow {
        case .fail:
            pending = []
            throw KubeClientError.lineTooLong(limit: maxLineLength, context: context)
        case .split:
            while pending.count > maxLineLength {
                lines.append(Array(pending.prefix(maxLineLength)))
                pending.removeFirst(maxLineLength)
            }
        }
    }
}
