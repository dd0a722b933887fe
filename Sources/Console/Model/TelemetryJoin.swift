import Foundation
import Kube
import Telemetry

/// The one join of cluster objects with telemetry, used by the console's screens and `kvdeck top`:
/// which pods to scrape, and which telemetry belongs to a workload or a pod.
extension ClusterState {
    /// The `namespace/name` key of a pod, as scrape targets and DCGM rows use it.
    public static func key(of pod: Pod) -> String { "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")" }

    /// Every running pod of every inference workload, through the pod proxy on its serving container's
    /// metrics port. Pods not yet running have nothing to scrape; the console shows them as loading.
    public func scrapeTargets() -> [ScrapeTarget] {
        var targets: [ScrapeTarget] = []
        for workload in workloads(servingOnly: true) {
            for pod in pods(of: workload) where Self.isScraped(pod) {
                if let target = ScrapeTarget.pod(pod, container: workload.identity?.container) { targets.append(target) }
            }
        }
        return targets
    }

    /// A workload's pods' telemetry added together (rates summed, histograms merged, KV the fullest pod's).
    public func telemetry(of workload: InferenceWorkload) -> PodTelemetry {
        guard workload.identity != nil else { return .none }
        let keys = pods(of: workload).filter(Self.isScraped).map(Self.key(of:))
        return telemetry.combined(keys)
    }

    /// A pod that is not running has no numbers to wait for: "-", not loading. (GPU rows still show.)
    public func telemetry(of pod: Pod) -> PodTelemetry {
        telemetry(ofPodKey: Self.key(of: pod), scraped: Self.isScraped(pod))
    }

    /// `telemetry(of:)` from what a screen keeps of the pod: its `key(of:)` and `isScraped`.
    public func telemetry(ofPodKey key: String, scraped: Bool) -> PodTelemetry {
        let found = telemetry.pod(key)
        guard scraped else { return PodTelemetry(freshness: .live, numbers: nil, window: nil, gpus: found.gpus, snapshot: nil) }
        return found
    }

    /// Running and not being deleted: the pods whose metrics are read.
    public static func isScraped(_ pod: Pod) -> Bool {
        pod.status?.phase == "Running" && pod.metadata.deletionTimestamp == nil
    }
}
