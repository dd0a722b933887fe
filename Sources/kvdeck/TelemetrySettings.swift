import Console
import Foundation
import Telemetry
import YAML

/// `$XDG_CONFIG_HOME/kvdeck/telemetry.yaml` (else `~/.config/kvdeck/telemetry.yaml`): how often and how
/// widely to scrape, and, per kubeconfig context, a Prometheus server to read instead of the pods.
///
/// ```yaml
/// interval: 5            # seconds between scrapes of one target
/// timeout: 4             # seconds one scrape may take
/// maxConcurrent: 16      # scrapes in flight
/// contexts:
///   prod-east:
///     prometheus: service/monitoring/prometheus-k8s:web   # through the API server's service proxy
///   lab:
///     prometheus: http://prometheus.lab:9090
/// ```
/// A missing file means the defaults and pod scraping everywhere. A context's `metrics` in the
/// console's `config.yaml` (`source: prometheus`, `url: ...`) says the same and wins over this file,
/// so the console, `kvdeck top` and the config file agree on one source per context.
struct TelemetrySettings {
    var configuration = Scraper.Configuration()
    var prometheusByContext: [String: PrometheusEndpoint] = [:]

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static func path(environment: [String: String]) -> String {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/kvdeck/telemetry.yaml" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/kvdeck/telemetry.yaml"
    }

    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TelemetrySettings {
        var settings = try loadFile(environment: environment)
        let (config, _) = ConsoleConfig.load(environment: environment)
        for (context, source) in config.metricsSources {
            switch source.source {
            case "prometheus":
                guard let text = source.url, let endpoint = PrometheusEndpoint(parsing: text) else {
                    throw Invalid(description: "config.yaml: contexts.\(context).metrics.url must be an http(s) URL or service/NAMESPACE/NAME[:PORT] for source prometheus")
                }
                settings.prometheusByContext[context] = endpoint
            case "pod-proxy":
                settings.prometheusByContext[context] = nil
            default:
                throw Invalid(description: "config.yaml: contexts.\(context).metrics.source \"\(source.source)\" is not pod-proxy or prometheus")
            }
        }
        return settings
    }

    private static func loadFile(environment: [String: String]) throws -> TelemetrySettings {
        let path = path(environment: environment)
        guard let data = FileManager.default.contents(atPath: path) else { return TelemetrySettings() }
        do {
            return try TelemetrySettings(YAML.parse(data), path: path)
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "\(path): \(error)")
        }
    }

    init() {}

    init(_ value: JSONValue, path: String) throws {
        func seconds(_ key: String) throws -> Double? {
            guard let field = value[key], field != .null else { return nil }
            let number: Double? = switch field {
            case let .int(i): Double(i)
            case let .double(d): d
            default: nil
            }
            guard let number, number > 0 else { throw Invalid(description: "\(path): \(key) must be a positive number of seconds") }
            return number
        }
        let interval = try seconds("interval") ?? 5
        var concurrent = 16
        if let field = value["maxConcurrent"], case let .int(n) = field {
            guard n > 0 else { throw Invalid(description: "\(path): maxConcurrent must be at least 1") }
            concurrent = Int(n)
        }
        configuration = Scraper.Configuration(interval: interval, timeout: try seconds("timeout"), maxConcurrent: concurrent)
        for (context, entry) in value["contexts"]?.objectValue?.entries ?? [] {
            guard let text = entry["prometheus"]?.stringValue else { continue }
            guard let endpoint = PrometheusEndpoint(parsing: text) else {
                throw Invalid(description: "\(path): contexts.\(context).prometheus: \"\(text)\" is neither an http(s) URL nor service/NAMESPACE/NAME[:PORT]")
            }
            prometheusByContext[context] = endpoint
        }
    }
}
