import Foundation
import Kube

/// Finds the DCGM exporter pods of a cluster (the NVIDIA GPU operator's DaemonSet, or the standalone
/// Helm chart) so their `/metrics` can be scraped through the pod proxy: no Prometheus needed. The
/// exporter runs in its own namespace, so this lists across all of them whatever the console watches.
public enum GPUExporterDiscovery {
    /// Labels the GPU operator (`app=nvidia-dcgm-exporter`) and the dcgm-exporter Helm chart
    /// (`app.kubernetes.io/name=dcgm-exporter`) put on exporter pods.
    public static let selectors = ["app=nvidia-dcgm-exporter", "app.kubernetes.io/name=dcgm-exporter", "app=dcgm-exporter"]

    /// Whether a pod is a DCGM exporter, by its labels or, failing that, its name.
    public static func isExporter(_ pod: Pod) -> Bool {
        let labels = pod.metadata.labels ?? [:]
        if labels["app"] == "nvidia-dcgm-exporter" || labels["app"] == "dcgm-exporter"
            || labels["app.kubernetes.io/name"] == "dcgm-exporter" { return true }
        return (pod.metadata.name ?? "").contains("dcgm-exporter")
    }

    /// Scrape targets for every running exporter pod. A selector the caller may not list with (RBAC)
    /// is skipped: GPU columns then stay "-", the rest of telemetry is unaffected.
    public static func targets(kube: KubeClient) async -> [ScrapeTarget] {
        var found: [String: ScrapeTarget] = [:]
        for selector in selectors {
            guard let list = try? await kube.listAll(Pod.self, namespace: nil, labelSelector: selector) else { continue }
            for pod in list.items where pod.status?.phase == "Running" {
                if let target = ScrapeTarget.pod(pod, role: .gpuExporter) { found[target.key] = target }
            }
        }
        return found.keys.sorted().compactMap { found[$0] }
    }
}
