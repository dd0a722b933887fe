import Foundation
import Logging

/// swift-log's handler for kvdeck: one line per record appended to a file, because nothing may
/// write to the terminal while curses owns it. Secrets never reach log messages (callers redact).
struct FileLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private let label: String
    private let sink: LogFile

    init(label: String, sink: LogFile) {
        self.label = label
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        sink.write("\(time) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
    }
}

/// The log file, shared by every logger; writes are serialised.
final class LogFile: @unchecked Sendable {
    let path: String
    private let handle: FileHandle?
    private let lock = NSLock()

    /// `$KVDECK_LOG`, else `$XDG_STATE_HOME/kvdeck/kvdeck.log`, else `~/.local/state/kvdeck/kvdeck.log`.
    static func defaultPath(environment: [String: String]) -> String {
        if let explicit = environment["KVDECK_LOG"], !explicit.isEmpty { return explicit }
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state")
        return state + "/kvdeck/kvdeck.log"
    }

    init(path: String) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
    }

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        // A log that cannot be written is not worth stopping the console for.
        try? handle?.write(contentsOf: Data(line.utf8))
    }

    /// Routes every logger of the process to this file.
    static func bootstrap(environment: [String: String]) {
        let file = LogFile(path: defaultPath(environment: environment))
        LoggingSystem.bootstrap { label in FileLogHandler(label: label, sink: file) }
    }
}
