import Foundation
import YAML

/// `~/.config/kvdeck/config.yaml` (or `$XDG_CONFIG_HOME/kvdeck/config.yaml`):
///
/// ```yaml
/// refreshRate: 2          # seconds between redraws of live views (k9s's default and minimum: 2)
/// theme: dracula          # a name in themes/ or a path
/// readOnly: false         # no mutating actions, shown in the status line
/// contexts:
///   prod-gpu:
///     metrics: {source: prometheus, url: "http://prometheus.monitoring:9090"}
///     readOnly: true      # no changes on this context only
///   kind-dev:
///     metrics: {source: pod-proxy}
/// ```
public struct ConsoleConfig: Sendable, Equatable {
    public var refreshRate: Double = 2
    public var theme: String?
    public var readOnly = false
    /// Contexts on which no changes are made, whatever `readOnly` says.
    public var readOnlyContexts: Set<String> = []
    /// Where each context's metrics come from (for telemetry): "pod-proxy", "prometheus", "url".
    public var metricsSources: [String: MetricsSource] = [:]

    public struct MetricsSource: Sendable, Equatable {
        public var source: String
        public var url: String?
        public init(source: String, url: String? = nil) {
            self.source = source
            self.url = url
        }
    }

    public init() {}

    /// Where telemetry should read a context's metrics; nil leaves the choice to it (pod proxy).
    public func metricsSource(forContext context: String) -> MetricsSource? { metricsSources[context] }

    public static func configDirectory(environment: [String: String]) -> URL {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("kvdeck")
        }
        return URL(fileURLWithPath: environment["HOME"] ?? "/").appendingPathComponent(".config/kvdeck")
    }

    /// Reads the config file. A missing file is the defaults; a broken one is the defaults and
    /// one message naming the file and the problem.
    public static func load(environment: [String: String]) -> (config: ConsoleConfig, problem: String?) {
        let url = configDirectory(environment: environment).appendingPathComponent("config.yaml")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return (ConsoleConfig(), nil) }
        do {
            return (try parse(text), nil)
        } catch {
            return (ConsoleConfig(), "\(url.path): \(error); using defaults")
        }
    }

    public static func parse(_ text: String) throws -> ConsoleConfig {
        let document = try YAML.parse(text)
        var config = ConsoleConfig()
        if document.isNull { return config }
        guard document.objectValue != nil else { throw ConfigError(message: "expected a mapping at the top") }
        if let rate = document["refreshRate"] {
            guard let seconds = rate.doubleValue ?? rate.intValue.map(Double.init), seconds > 0 else {
                throw ConfigError(message: "refreshRate must be a number of seconds above 0")
            }
            // Faster than 0.5 s only burns CPU: the informers push changes as they come anyway.
            config.refreshRate = max(0.5, seconds)
        }
        if let theme = document["theme"] {
            guard let name = theme.stringValue else { throw ConfigError(message: "theme must be a name or a path") }
            config.theme = name
        }
        if let readOnly = document["readOnly"] {
            guard let flag = readOnly.boolValue else { throw ConfigError(message: "readOnly must be true or false") }
            config.readOnly = flag
        }
        for (context, settings) in document["contexts"]?.objectValue?.entries ?? [] {
            if let readOnly = settings["readOnly"] {
                guard let flag = readOnly.boolValue else { throw ConfigError(message: "contexts.\(context).readOnly must be true or false") }
                if flag { config.readOnlyContexts.insert(context) }
            }
            guard let metrics = settings["metrics"] else { continue }
            guard let source = metrics["source"]?.stringValue else {
                throw ConfigError(message: "contexts.\(context).metrics.source must be pod-proxy or prometheus")
            }
            config.metricsSources[context] = MetricsSource(source: source, url: metrics["url"]?.stringValue)
        }
        return config
    }
}

public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
