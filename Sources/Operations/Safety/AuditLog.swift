import Foundation
import YAML

/// The audit trail of changes: one JSON line per write (time, context, user, verb, object, the
/// request with its body, and the result), appended to a file only its owner can read.
public struct AuditLog: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// `$XDG_STATE_HOME/kvdeck/audit.log`, else `~/.local/state/kvdeck/audit.log`.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty, state.hasPrefix("/") {
            return URL(fileURLWithPath: state).appendingPathComponent("kvdeck/audit.log")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/kvdeck/audit.log")
    }

    public struct Entry: Sendable {
        public var time: Date
        public var context: String
        public var user: String?
        public var verb: String
        public var object: String
        public var namespace: String?
        public var request: PlannedRequest
        /// "success", "failure".
        public var result: String
        /// The server's status code, or the error text.
        public var status: Int?
        public var error: String?

        public var json: JSONValue {
            var object: JSONObject = [
                "time": .string(AuditLog.timeText(time)),
                "context": .string(context),
                "user": user.map { .string($0) } ?? .null,
                "verb": .string(verb),
                "object": .string(self.object),
            ]
            if let namespace { object["namespace"] = .string(namespace) }
            object["request"] = request.json
            object["result"] = .string(result)
            if let status { object["status"] = .int(Int64(status)) }
            if let error { object["error"] = .string(error) }
            return .object(object)
        }
    }

    static func timeText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Appends one line. The directory is made 0700 and the file 0600: request bodies can hold
    /// whatever a template holds.
    public func append(_ entry: Entry) throws {
        let manager = FileManager.default
        let directory = url.deletingLastPathComponent()
        try manager.createDirectory(at: directory, withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
        if !manager.fileExists(atPath: url.path) {
            guard manager.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        var line = entry.json.jsonData()
        line.append(UInt8(ascii: "\n"))
        try handle.write(contentsOf: line)
    }
}
