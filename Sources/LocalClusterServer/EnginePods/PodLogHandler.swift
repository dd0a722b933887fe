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

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = all.keys.sorted().map { "\($0)=\(all[$0]!)" }.joined(separator: " ")
        let tag = event.level.rawValue.uppercased() + ":"
        write("\(tag.padding(toLength: 10, withPad: " ", startingAt: 0))\(event.message)\(fields.isEmpty ? "" : " " + fields)")
    }
}
