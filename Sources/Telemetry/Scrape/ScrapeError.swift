import Foundation

/// Why one scrape produced no numbers, in words an operator can act on.
public enum ScrapeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The target answered with a non-2xx status (the body's first line, when short, says why).
    case httpStatus(Int, detail: String)
    /// No answer within the per-target timeout.
    case timedOut(seconds: Double)
    /// No answer at all (connection refused, TLS, DNS), or the API server refused the proxy request.
    case unreachable(String)
    /// An answer that is not a metrics exposition (an HTML page, JSON, a login form).
    case notAnExposition(detail: String)
    /// A Prometheus server answered with an error or an unreadable body.
    case prometheus(String)

    public var description: String {
        switch self {
        case let .httpStatus(status, detail): return detail.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(detail)"
        case let .timedOut(seconds): return "no answer within \(ScrapeError.format(seconds)) s"
        case let .unreachable(detail): return detail
        case let .notAnExposition(detail): return "not a metrics exposition (\(detail))"
        case let .prometheus(detail): return "Prometheus: \(detail)"
        }
    }

    /// A short reason from a response body: its first line, at most 120 characters.
    static func firstLine(of body: Data) -> String {
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return String(line.trimmingCharacters(in: .whitespaces).prefix(120))
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
