/// The READY, STATUS and RESTARTS columns of `kubectl get pods`, computed in one pass because
/// kubectl computes them together: whether app containers count depends on init progress.
public struct KubectlPodStatus: Sendable, Hashable {
    public var reason: String
    public var readyContainers: Int
    public var totalContainers: Int
    public var restarts: Int
}

extension Pod {
    /// A port of kubectl's `printPod` (k8s.io/kubernetes pkg/printers/internalversion, 1.29+, with
    /// sidecar init containers), so the console's STATUS column reads exactly as kubectl's.
    public var kubectlStatus: KubectlPodStatus {
        let initSpecs = spec?.initContainers ?? []
        let status = status ?? PodStatus()
        var restarts = 0
        var sidecarRestarts = 0
        var readyContainers = 0
        var totalContainers = spec?.containers?.count ?? 0
        var reason = status.reason.flatMap { $0.isEmpty ? nil : $0 } ?? status.phase ?? ""

        if status.conditions?.contains(where: { $0.type == "PodScheduled" && $0.reason == "SchedulingGated" }) == true {
            reason = "SchedulingGated"
        }

        // Sidecars (init containers with restartPolicy Always) count as containers of the pod.
        let sidecars = Set(initSpecs.filter { $0.restartPolicy == "Always" }.map(\.name))
        totalContainers += sidecars.count

        var initializing = false
        for (index, container) in (status.initContainerStatuses ?? []).enumerated() {
            restarts += container.restartCount ?? 0
            let isSidecar = sidecars.contains(container.name)
            if isSidecar { sidecarRestarts += container.restartCount ?? 0 }
            let state = container.state ?? ContainerState()
            if let terminated = state.terminated, terminated.exitCode == 0 {
                continue
            }
            if isSidecar, container.started == true {
                if container.ready == true { readyContainers += 1 }
                continue
            }
            if let terminated = state.terminated {
                if let why = terminated.reason, !why.isEmpty {
                    reason = "Init:" + why
                } else if let signal = terminated.signal, signal != 0 {
                    reason = "Init:Signal:\(signal)"
                } else {
                    reason = "Init:ExitCode:\(terminated.exitCode)"
                }
            } else if let why = state.waiting?.reason, !why.isEmpty, why != "PodInitializing" {
                reason = "Init:" + why
            } else {
                reason = "Init:\(index)/\(initSpecs.count)"
            }
            initializing = true
            break  // the first init container not done decides the status
        }

        let initialized = status.conditions?.first(ofType: "Initialized")?.isTrue ?? false
        if !initializing || initialized {
            restarts = sidecarRestarts
            var hasRunning = false
            // kubectl walks app containers last to first, so the first container's state wins.
            for container in (status.containerStatuses ?? []).reversed() {
                restarts += container.restartCount ?? 0
                let state = container.state ?? ContainerState()
                if let why = state.waiting?.reason, !why.isEmpty {
                    reason = why
                } else if let terminated = state.terminated, let why = terminated.reason, !why.isEmpty {
                    reason = why
                } else if let terminated = state.terminated {
                    if let signal = terminated.signal, signal != 0 {
                        reason = "Signal:\(signal)"
                    } else {
                        reason = "ExitCode:\(terminated.exitCode)"
                    }
                } else if container.ready == true, state.running != nil {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            // A finished container beside a running one: the pod is still running.
            if reason == "Completed", hasRunning {
                reason = status.conditions?.first(ofType: "Ready")?.isTrue == true ? "Running" : "NotReady"
            }
        }

        if metadata.deletionTimestamp != nil {
            if status.reason == "NodeLost" {
                reason = "Unknown"
            } else if status.phase != "Succeeded", status.phase != "Failed" {
                reason = "Terminating"
            }
        }
        return KubectlPodStatus(
            reason: reason, readyContainers: readyContainers, totalContainers: totalContainers, restarts: restarts)
    }
}
