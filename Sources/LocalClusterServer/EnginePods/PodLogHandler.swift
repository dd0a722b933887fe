import Foundation
import Logging

/// A swift-log handler that writes an engine pod's log lines into its container log (what
/// `kubectl logs` and the console's log screen read), in the shape `kvdeck serve` prints.
struct PodLogHandler: LogHandler {
    let write: @Sendable (String) -> Void
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        let all = metadata.merging(explicit ?? [:]) { _, new in new }
        let fields = all.keys.sorted().map { "\($0)=\(all[$0]!)" }.joined(separator: " ")
        let tag = level.rawValue.uppercased() + ":"
        write("\(tag.padding(toLength: 10, withPad: " ", startingAt: 0))\(message)\(fields.isEmpty ? "" : " " + fields)")
    }
}
