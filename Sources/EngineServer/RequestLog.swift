import Foundation
import Logging

/// What the one log line of a request says, filled in as the request goes (the generation
/// handler adds its tokens and finish) and written when the response has been sent, streams
/// included. The prompt text is only ever in it with `--log-prompts`.
final class RequestLogRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var fields: Logger.Metadata = [:]
    let started = ContinuousClock.now

    func set(_ key: String, _ value: Logger.MetadataValue) {
        lock.withLock { fields[key] = value }
    }

    func write(to logger: Logger, method: String, path: String, status: Int) {
        var metadata = lock.withLock { fields }
        let elapsed = ContinuousClock.now - started
        metadata["method"] = .string(method)
        metadata["path"] = .string(path)
        metadata["status"] = .stringConvertible(status)
        metadata["duration_ms"] = .string(String(format: "%.1f", Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15))
        // Scrapes and probes are frequent and say nothing; they go at debug (vLLM #21001).
        let quiet = path == "/metrics" || path == "/health" || path == "/ping" || path == "/load"
        logger.log(level: quiet && status < 400 ? .debug : .info, "request", metadata: metadata)
    }
}
