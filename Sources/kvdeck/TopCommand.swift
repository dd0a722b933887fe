import ArgumentParser
import Console
import Foundation
import Kube
import Telemetry

/// `kvdeck top workloads|pods`: the console's metric columns without the console, like `kubectl top`.
/// Lists the objects once, scrapes every serving pod twice `--window` seconds apart (rates and
/// quantiles need two readings), and prints the same join the console shows.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Show KV-cache usage, batch, throughput and latency of inference workloads or their pods.",
        discussion: """
        Reads each serving pod's /metrics through the API server's pod proxy (no Prometheus needed), \
        twice, --window seconds apart, and the DCGM exporters' GPU rows. Unknown values print as "-"; \
        a server with metrics disabled prints "disabled"; a pod that could not be scraped prints "err" \
        (the reason goes to stderr). -o wide adds more columns; -o json prints every number.
        """)

    enum Subject: String, ExpressibleByArgument, CaseIterable {
        case workloads, pods
        init?(argument: String) {
            switch argument.lowercased() {
            case "workloads", "workload", "wl", "deployments", "deploy": self = .workloads
            case "pods", "pod", "po": self = .pods
            default: return nil
            }
        }
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case wide, json }

    @Argument(help: "workloads (Deployments and StatefulSets that serve a model) or pods.")
    var subject: Subject

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: [.customShort("A"), .long], help: "Across all namespaces.")
    var allNamespaces = false

    @Option(name: [.short, .long], help: "Output format: wide or json.")
    var output: OutputFormat?

    @Option(name: .long, help: "Seconds between the two scrapes that rates and quantiles are computed over (0: one scrape, no rates).")
    var window: Double = 3

    @Option(name: .long, help: "Seconds each scrape may take.")
    var timeout: Double = 5

    @Option(name: .long, help: "Read the numbers from this Prometheus server instead of the pods: a URL, or service/NAMESPACE/NAME[:PORT] through the API server. Default: the context's entry in ~/.config/kvdeck/telemetry.yaml.")
    var prometheus: String?

    func validate() throws {
        guard window >= 0, window.isFinite else { throw ValidationError("--window must be zero or a positive number of seconds") }
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
        if let prometheus, PrometheusEndpoint(parsing: prometheus) == nil {
            throw ValidationError("--prometheus takes an http(s) URL or service/NAMESPACE/NAME[:PORT], not \"\(prometheus)\"")
        }
    }

    func run() async throws {
        do {
            let (client, connection) = try cluster.connect()
            for warning in connection.warnings { Diagnostics.warn(warning) }
            let namespace = allNamespaces ? nil : connection.namespace
            var state = try await Self.listState(client, namespace: namespace)
            let configured = try TelemetrySettings.load().prometheusByContext[connection.contextName]
            state.telemetry = try await scrape(state, client: client, prometheus: prometheus.flatMap(PrometheusEndpoint.init(parsing:)) ?? configured)
            let rows = TopRows(state: state, subject: subject, wide: output == .wide, allNamespaces: allNamespaces)
            for problem in rows.problems { Diagnostics.warn(problem) }
            if output == .json {
                print(try rows.json())
            } else if rows.isEmpty {
                let scope = namespace.map { " in \($0) namespace" } ?? ""
                FileHandle.standardError.write(Data("No inference \(subject == .pods ? "pods" : "workloads") found\(scope).\n".utf8))
            } else {
                print(KubectlTabWriter.format(rows.table()), terminator: "")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    /// The objects the join needs, listed once, in the shape the console's informers give.
    static func listState(_ client: KubeClient, namespace: String?) async throws -> ClusterState {
        async let deployments = client.listAll(Deployment.self, namespace: namespace)
        async let statefulSets = client.listAll(StatefulSet.self, namespace: namespace)
        async let pods = client.listAll(Pod.self, namespace: namespace)
        var state = ClusterState()
        state.deployments = InformerSnapshot(items: (try await deployments).items, state: .synced)
        state.statefulSets = InformerSnapshot(items: (try await statefulSets).items, state: .synced)
        state.pods = InformerSnapshot(items: (try await pods).items, state: .synced)
        return state
    }

    /// Two scrape cycles `window` apart through the console's scheduler (one when the window is 0).
    private func scrape(_ state: ClusterState, client: KubeClient, prometheus: PrometheusEndpoint?) async throws -> TelemetrySnapshot {
        var targets: [ScrapeTarget]
        var transport: CurlTransport?
        if let prometheus {
            // Prometheus also has the DCGM series: the exporters are not scraped beside it.
            if case .url = prometheus { transport = try CurlTransport(options: TransportOptions()) }
            targets = [ScrapeTarget(source: .prometheus(prometheus))]
        } else {
            targets = state.scrapeTargets() + (await GPUExporterDiscovery.targets(kube: client))
        }
        defer { transport?.shutdown() }
        let configuration = Scraper.Configuration(interval: max(window, 0.05), timeout: timeout,
                                                  maxConcurrent: 32, rateWindow: max(window, 0.05) * 2,
                                                  staleAfter: .infinity)
        let scraper = Scraper(fetcher: ClusterMetricsFetcher(kube: client, transport: transport,
                                                             prometheusWindowSeconds: max(60, window)),
                              configuration: configuration)
        await scraper.setTargets(targets)
        await scraper.scrapeDue()
        // Prometheus has already computed rates over its own window: one query round is enough.
        if window > 0 && prometheus == nil {
            try await Task.sleep(for: .milliseconds(Int(window * 1000)))
            await scraper.scrapeDue()
        }
        return await scraper.snapshot()
    }
}
