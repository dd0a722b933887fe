import Foundation
import Kube

/// Where a Prometheus server's HTTP API is: a URL reached directly, or a Service reached through the
/// API server's service proxy (the usual case from a bastion: no route to the cluster network).
public enum PrometheusEndpoint: Sendable, Hashable, CustomStringConvertible {
    case url(URL)
    case service(namespace: String, name: String, port: String, scheme: ProxyScheme)

    /// `http(s)://host:port[/prefix]`, or `service/NS/NAME[:PORT]` (`svc/` too), as written in settings
    /// and on the command line.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for prefix in ["service/", "svc/"] where trimmed.hasPrefix(prefix) {
            let parts = trimmed.dropFirst(prefix.count).split(separator: "/").map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            var target = parts[1]
            var scheme = ProxyScheme.http
            if target.hasPrefix("https:") { scheme = .https; target = String(target.dropFirst(6)) }
            let nameAndPort = target.split(separator: ":", maxSplits: 1).map(String.init)
            guard let name = nameAndPort.first, !name.isEmpty else { return nil }
            self = .service(namespace: parts[0], name: name, port: nameAndPort.count > 1 ? nameAndPort[1] : "9090", scheme: scheme)
            return
        }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil else { return nil }
        self = .url(url)
    }

    public var description: String {
        switch self {
        case let .url(url): return url.absoluteString
        case let .service(namespace, name, port, scheme):
            return "service/\(namespace)/\(scheme == .https ? "https:" : "")\(name):\(port)"
        }
    }
}

/// One series of an instant query's vector.
public struct PrometheusSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
}

/// One series of a range query's matrix.
public struct PrometheusSeries: Sendable, Equatable {
    public var labels: [String: String]
    public var points: [(time: Date, value: Double)]

    public static func == (a: Self, b: Self) -> Bool {
        a.labels == b.labels && a.points.map(\.time) == b.points.map(\.time) && a.points.map(\.value) == b.points.map(\.value)
    }
}

/// The two calls of the Prometheus HTTP API the console needs: `/api/v1/query` and `/api/v1/query_range`.
public struct PrometheusClient: Sendable {
    public let endpoint: PrometheusEndpoint
    let kube: KubeClient?
    let transport: (any HTTPTransport)?
    let timeout: Duration

    /// `kube` is needed for a `.service` endpoint, `transport` for a `.url` one.
    public init(endpoint: PrometheusEndpoint, kube: KubeClient?, transport: (any HTTPTransport)?,
                timeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.kube = kube
        self.transport = transport
        self.timeout = timeout
    }

    public func query(_ promQL: String, at time: Date? = nil) async throws -> [PrometheusSample] {
        var query = [(name: "query", value: promQL)]
        if let time { query.append(("time", Self.timestamp(time))) }
        let data = try await get("api/v1/query", query: query)
        guard data.resultType == "vector" || data.resultType == "scalar" else {
            throw ScrapeError.prometheus("expected a vector, got \(data.resultType)")
        }
        return data.result.compactMap { series in
            guard let value = series.value.flatMap(Self.number) else { return nil }
            return PrometheusSample(labels: series.metric ?? [:], value: value)
        }
    }

    public func queryRange(_ promQL: String, start: Date, end: Date, step: TimeInterval) async throws -> [PrometheusSeries] {
        let data = try await get("api/v1/query_range", query: [
            ("query", promQL), ("start", Self.timestamp(start)), ("end", Self.timestamp(end)),
            ("step", ScrapeError.format(max(step, 0.001))),
        ])
        guard data.resultType == "matrix" else { throw ScrapeError.prometheus("expected a matrix, got \(data.resultType)") }
        return data.result.map { series in
            let points = (series.values ?? []).compactMap { pair -> (time: Date, value: Double)? in
                guard let time = pair.time, let value = Self.number(pair) else { return nil }
                return (Date(timeIntervalSince1970: time), value)
            }
            return PrometheusSeries(labels: series.metric ?? [:], points: points)
        }
    }

    // MARK: - Wire

    struct Response: Decodable {
        var status: String
        var data: ResultData?
        var errorType: String?
        var error: String?
    }
    struct ResultData: Decodable {
        var resultType: String
        var result: [Result]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            resultType = try container.decode(String.self, forKey: .resultType)
            // A scalar result is one [time, "value"] pair, not a list of series.
            if resultType == "scalar" || resultType == "string" {
                result = [Result(metric: [:], value: try container.decode(Pair.self, forKey: .result), values: nil)]
            } else {
                result = try container.decode([Result].self, forKey: .result)
            }
        }
        enum CodingKeys: String, CodingKey { case resultType, result }
    }
    struct Result: Decodable {
        var metric: [String: String]?
        var value: Pair?
        var values: [Pair]?
    }
    /// `[1435781451.781, "1"]`: seconds as a number, the value as a string ("NaN", "+Inf" included).
    struct Pair: Decodable {
        var time: Double?
        var text: String?
        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            time = try container.decode(Double.self)
            text = try container.decode(String.self)
        }
    }

    static func number(_ pair: Pair) -> Double? {
        guard let text = pair.text else { return nil }
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }

    static func timestamp(_ date: Date) -> String { String(format: "%.3f", date.timeIntervalSince1970) }

    private func get(_ path: String, query: [(name: String, value: String)]) async throws -> ResultData {
        let response: HTTPResponse
        do {
            switch endpoint {
            case let .url(base):
                guard let transport else { throw ScrapeError.prometheus("no HTTP transport for \(base)") }
                guard var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false) else {
                    throw ScrapeError.prometheus("cannot build a URL from \(base)")
                }
                components.queryItems = query.map { URLQueryItem(name: $0.name, value: $0.value) }
                // `+` means a space to Prometheus's form parser; PromQL uses it as addition.
                let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
                components.percentEncodedQuery = encoded
                guard let url = components.url else { throw ScrapeError.prometheus("cannot build a URL from \(base)") }
                response = try await transport.send(HTTPRequest(url: url, headers: [("Accept", "application/json")], timeout: timeout))
            case let .service(namespace, name, port, scheme):
                guard let kube else { throw ScrapeError.prometheus("no cluster connection for \(endpoint)") }
                response = try await kube.proxyGet(service: name, namespace: namespace, port: port, scheme: scheme,
                                                   path: path, query: query, accept: "application/json")
            }
        } catch let error as ScrapeError {
            throw error
        } catch {
            throw ScrapeError.unreachable("\(error)")
        }
        let decoded: Response
        do {
            decoded = try JSONDecoder().decode(Response.self, from: response.body)
        } catch {
            guard (200..<300).contains(response.status) else {
                throw ScrapeError.httpStatus(response.status, detail: ScrapeError.firstLine(of: response.body))
            }
            throw ScrapeError.prometheus("the answer is not Prometheus API JSON (\(ScrapeError.firstLine(of: response.body)))")
        }
        guard decoded.status == "success", let data = decoded.data else {
            throw ScrapeError.prometheus("\(decoded.errorType ?? "error"): \(decoded.error ?? "HTTP \(response.status)")")
        }
        return data
    }
}
