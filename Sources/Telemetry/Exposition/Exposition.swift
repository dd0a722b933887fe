import Foundation

/// The type a `# TYPE` line declares. `untyped` (text format 0.0.4) reads as `unknown`.
public enum MetricType: String, Sendable, CaseIterable {
    case counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown

    init?(declared text: String) {
        if text == "untyped" { self = .unknown; return }
        self.init(rawValue: text)
    }

    /// Sample-name suffixes that belong to a family of this type (`foo_bucket` belongs to histogram `foo`).
    var ownedSuffixes: [String] {
        switch self {
        case .histogram: return ["_bucket", "_count", "_sum", "_created"]
        case .gaugehistogram: return ["_bucket", "_gcount", "_gsum"]
        case .summary: return ["_count", "_sum", "_created"]
        case .counter: return ["_total", "_created"]
        case .info: return ["_info"]
        case .gauge, .stateset, .unknown: return []
        }
    }
}

/// The two wire formats. `automatic` reads OpenMetrics when the text has `# EOF` or `# UNIT`.
public enum ExpositionFormat: String, Sendable {
    case prometheusText, openMetrics, automatic

    /// The format an HTTP `Content-Type` names (`application/openmetrics-text; version=1.0.0` or
    /// `text/plain; version=0.0.4`); anything else is `automatic`.
    public init(contentType: String?) {
        let lowered = contentType?.lowercased() ?? ""
        if lowered.hasPrefix("application/openmetrics-text") { self = .openMetrics }
        else if lowered.hasPrefix("text/plain") { self = .prometheusText }
        else { self = .automatic }
    }
}

/// One label pair, value unescaped.
public struct Label: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
}

/// An OpenMetrics exemplar: ` # {trace_id="..."} 0.67 1520879607.789`.
public struct Exemplar: Sendable, Equatable {
    public var labels: [Label]
    public var value: Double
    public var timestamp: Double?
}

/// One sample line.
public struct Sample: Sendable, Equatable {
    /// The series name as written (`foo_bucket`, `foo_total`), not the family name.
    public var name: String
    /// Labels in wire order.
    public var labels: [Label]
    public var value: Double
    /// Seconds since the epoch. Text format 0.0.4 writes milliseconds; they are converted.
    public var timestamp: Double?
    public var exemplar: Exemplar?
    /// 1-based line number in the exposition.
    public var line: Int

    public func label(_ name: String) -> String? {
        for label in labels where label.name == name { return label.value }
        return nil
    }
}

/// A metric family: the metadata lines and every sample that belongs to it.
public struct MetricFamily: Sendable {
    public var name: String
    public var type: MetricType
    public var help: String?
    public var unit: String?
    public var samples: [Sample]
    /// Whether a `# TYPE` line declared the type (false: inferred as `unknown`).
    public var typeDeclared: Bool

    public init(name: String, type: MetricType = .unknown, help: String? = nil, unit: String? = nil,
                samples: [Sample] = [], typeDeclared: Bool = false) {
        self.name = name; self.type = type; self.help = help; self.unit = unit
        self.samples = samples; self.typeDeclared = typeDeclared
    }
}

/// Something wrong with one line. A `badLine` was skipped; a `warning` was accepted as written.
public struct ExpositionIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case badLine, warning }
    public var line: Int
    public var kind: Kind
    public var reason: String
    public var description: String { "line \(line): \(kind == .badLine ? "skipped" : "warning"): \(reason)" }
}

/// A parsed exposition: families in order of first appearance, and the issues met on the way.
/// Parsing never fails as a whole: a bad line is recorded in `issues` and skipped.
public struct Exposition: Sendable {
    public internal(set) var families: [MetricFamily] = []
    public internal(set) var issues: [ExpositionIssue] = []
    /// The format the text was read as (`automatic` resolved to one of the two).
    public internal(set) var format: ExpositionFormat = .prometheusText
    /// Whether `# EOF` was seen (OpenMetrics requires it as the last line).
    public internal(set) var sawEOF = false
    public internal(set) var lineCount = 0
    var familyIndexByName: [String: Int] = [:]

    public init() {}

    public var badLines: [ExpositionIssue] { issues.filter { $0.kind == .badLine } }
    public var warnings: [ExpositionIssue] { issues.filter { $0.kind == .warning } }
    public var sampleCount: Int { families.reduce(0) { $0 + $1.samples.count } }

    public func family(named name: String) -> MetricFamily? {
        familyIndexByName[name].map { families[$0] }
    }

    /// The family a series name belongs to: the family of that exact name, else the family that the
    /// name minus a suffix its type owns names (`foo_bucket` → histogram `foo`, `foo_total` → counter `foo`).
    func familyIndex(forSeries name: String) -> Int? {
        if let exact = familyIndexByName[name] { return exact }
        for suffix in Self.allSuffixes where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let index = familyIndexByName[base], families[index].type.ownedSuffixes.contains(suffix) {
                return index
            }
        }
        return nil
    }
    static let allSuffixes = ["_bucket", "_count", "_sum", "_created", "_total", "_gcount", "_gsum", "_info"]

    /// Every sample whose series name is `name`, wherever it was grouped (so `vllm:prompt_tokens_total`
    /// is found both under text-format family `vllm:prompt_tokens_total` and OpenMetrics family `vllm:prompt_tokens`).
    public func samples(named name: String) -> [Sample] {
        guard let index = familyIndex(forSeries: name) else { return [] }
        return families[index].samples.filter { $0.name == name }
    }

    /// Whether any family or series of this name has at least one sample.
    public func hasSamples(named name: String) -> Bool {
        guard let index = familyIndex(forSeries: name) else { return false }
        return families[index].samples.contains { $0.name == name }
    }
}

extension Exposition {
    /// Parses text in either format. Never throws; see `issues`.
    public init(parsing bytes: UnsafeRawBufferPointer, format: ExpositionFormat = .automatic) {
        var parser = ExpositionParser(bytes: bytes, format: format)
        self = parser.run()
    }

    public init(parsing bytes: [UInt8], format: ExpositionFormat = .automatic) {
        self = bytes.withUnsafeBytes { Exposition(parsing: $0, format: format) }
    }

    public init(parsing data: Data, format: ExpositionFormat = .automatic) {
        self = data.withUnsafeBytes { Exposition(parsing: $0, format: format) }
    }

    public init(parsing text: String, format: ExpositionFormat = .automatic) {
        var text = text
        self = text.withUTF8 { Exposition(parsing: UnsafeRawBufferPointer($0), format: format) }
    }
}
