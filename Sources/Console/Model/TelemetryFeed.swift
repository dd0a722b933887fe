import Foundation
import Kube
import Telemetry

/// Runs the scraper for the console: keeps its targets in step with the pods the cluster feed sees,
/// finds the DCGM exporters now and then, and hands each new telemetry snapshot to the main actor.
/// With a Prometheus server configured for the context, that one target replaces both.
/// The UI reads `snapshot` and never waits on a scrape.
@MainActor
public final class TelemetryFeed {
    public private(set) var snapshot = TelemetrySnapshot()
    /// Set when a snapshot arrived since the last frame; the loop redraws and clears it.
    public var changed = false
    private let scraper: Scraper
    private let kube: KubeClient?
    private var serverTargets: [ScrapeTarget] = []
    private var exporterTargets: [ScrapeTarget] = []
    private var tasks: [Task<Void, Never>] = []

    /// How often the DCGM exporter pods are looked for again (they come and go with GPU nodes).
    static let exporterRefresh: Duration = .seconds(60)

    private let prometheus: PrometheusEndpoint?

    /// `transport` reaches a Prometheus URL (`prometheus` as `.url`); pods go through `kube`'s proxy.
    public init(kube: KubeClient?, transport: (any HTTPTransport)? = nil, prometheus: PrometheusEndpoint? = nil,
                fetcher: (any MetricsFetching)? = nil, configuration: Scraper.Configuration = Scraper.Configuration()) {
        self.kube = kube
        self.prometheus = prometheus
        scraper = Scraper(fetcher: fetcher ?? ClusterMetricsFetcher(kube: kube, transport: transport,
                                                                    prometheusWindowSeconds: configuration.rateWindow),
                          configuration: configuration)
        let scraper = self.scraper
        tasks.append(Task.detached { await scraper.run() })
        tasks.append(Task { @MainActor [weak self] in
            for await snapshot in await scraper.updates() {
                guard let self else { return }
                self.snapshot = snapshot
                self.changed = true
            }
        })
        if let prometheus {
            serverTargets = [ScrapeTarget(source: .prometheus(prometheus))]
            tasks.append(Task { @MainActor [weak self] in await self?.pushTargets() })
        } else if let kube {
            tasks.append(Task { @MainActor [weak self] in
                while !Task.isCancelled {
                    let found = await GPUExporterDiscovery.targets(kube: kube)
                    guard let self else { return }
                    self.exporterTargets = found
                    await self.pushTargets()
                    try? await Task.sleep(for: Self.exporterRefresh)
                }
            })
        }
    }

    /// Called when the cluster state changed: scrapes the pods it now serves. Cheap when nothing moved.
    public func follow(_ state: ClusterState) {
        guard prometheus == nil else { return }
        let targets = state.scrapeTargets()
        guard targets != serverTargets else { return }
        serverTargets = targets
        Task { await self.pushTargets() }
    }

    private func pushTargets() async {
        await scraper.setTargets(serverTargets + exporterTargets)
    }

    public func stop() async {
        tasks.forEach { $0.cancel() }
    }
}
