import Foundation
import Kube
import YAML

/// The scheduler (`default-scheduler`): binds each pending pod to a Ready, schedulable node whose
/// labels match the pod's nodeSelector and that has enough free `nvidia.com/gpu` (allocatable
/// minus what bound, non-terminal pods hold), preferring the node with the most GPUs free. A pod
/// that fits nowhere stays Pending with PodScheduled=False/Unschedulable and one
/// `FailedScheduling` event (again only when the message changes), with the real message shape.
///
/// It binds through `pods/NAME/binding`, as kube-scheduler does: one write that sets the node
/// and the PodScheduled condition (one MODIFIED for watchers, as on the recorded cluster).
actor Scheduler: Reconciler {
    let client: KubeClient
    let clock: ControllerClock
    let events: EventRecorder
    nonisolated var name: String { "default-scheduler" }
    /// uid -> the last FailedScheduling message recorded, so a retry does not repeat it.
    private var reported: [String: String] = [:]

    init(client: KubeClient, clock: ControllerClock, instance: String = "default-scheduler-kvdeck") {
        self.client = client
        self.clock = clock
        self.events = EventRecorder(client: client, component: "default-scheduler", reportingInstance: instance, clock: clock)
    }

    func reconcile() async throws -> Duration? {
        let pods = try await client.listAll(APITypes.pods).items
        let pending = pods.filter {
            ($0["spec"]?["nodeName"]?.stringValue ?? "").isEmpty && !$0.isDeleting
                && ($0["spec"]?["schedulerName"]?.stringValue ?? "default-scheduler") == "default-scheduler"
                && ReplicaSetController.isActive($0)
        }.sorted { $0.creationTimestamp == $1.creationTimestamp ? $0.name < $1.name : $0.creationTimestamp < $1.creationTimestamp }
        guard !pending.isEmpty else {
            reported = [:]
            return nil
        }
        let nodes = try await client.listAll(APITypes.nodes).items
        var used: [String: Int64] = [:]
        for pod in pods where ReplicaSetController.isActive(pod) || pod.isDeleting {
            guard let node = pod["spec"]?["nodeName"]?.stringValue, !node.isEmpty else { continue }
            used[node, default: 0] += Self.gpus(pod)
        }
        var retry = false
        for pod in pending {
            let want = Self.gpus(pod)
            var reasons: [String: Int] = [:]
            var best: (name: String, free: Int64)?
            for node in nodes {
                if let reason = Self.unfit(node, pod: pod, want: want, used: used[node.name] ?? 0) {
                    reasons[reason, default: 0] += 1
                    continue
                }
                let free = Self.allocatableGPUs(node) - (used[node.name] ?? 0)
                if best == nil || free > best!.free || (free == best!.free && node.name < best!.name) { best = (node.name, free) }
            }
            if let best {
                try await bind(pod, to: best.name)
                used[best.name, default: 0] += want
                reported[pod.uid] = nil
            } else {
                retry = true
                try await markUnschedulable(pod, message: Self.failureMessage(reasons, nodeCount: nodes.count))
            }
        }
        // Unschedulable pods are retried as nodes and pods change, and at least every few seconds.
        return retry ? .seconds(5) : nil
    }

    private func bind(_ pod: JSONValue, to node: String) async throws {
        let binding: JSONValue = ["kind": "Binding", "apiVersion": "v1",
                                  "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)],
                                  "target": ["kind": "Node", "name": .string(node)]]
        do {
            try await client.create(APITypes.pods, name: pod.name, namespace: pod.namespace, subresource: "binding", body: binding)
        } catch let error as KubeAPIError where error.code == 404 || error.isConflict {
            return
        }
        await events.record(pod, kind: "Pod", apiVersion: "v1", reason: "Scheduled",
                            message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(node)", action: "Binding")
    }

    private func markUnschedulable(_ pod: JSONValue, message: String) async throws {
        let existing = pod["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "PodScheduled" }
        if existing?["reason"]?.stringValue != "Unschedulable" || existing?["message"]?.stringValue != message {
            var updated = pod
            updated["status"]?["conditions"] = .array(PodConditions.set(pod["status"]?["conditions"], type: "PodScheduled",
                status: "False", reason: "Unschedulable", message: message, now: clock.now(), observedGeneration: pod.generation))
            do {
                _ = try await client.replace(APITypes.pods, name: pod.name, namespace: pod.namespace, subresource: "status", body: updated)
            } catch let error as KubeAPIError where error.code == 404 || error.isConflict {
                return
            }
        }
        if reported[pod.uid] != message {
            reported[pod.uid] = message
            await events.record(pod, kind: "Pod", apiVersion: "v1", type: "Warning", reason: "FailedScheduling",
                                message: message, action: "Scheduling")
        }
    }

    /// Why `node` cannot take the pod, in the scheduler's words, or nil if it can.
    static func unfit(_ node: JSONValue, pod: JSONValue, want: Int64, used: Int64) -> String? {
        let ready = node["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" }
        if ready?["status"]?.stringValue != "True" { return "node(s) had untolerated taint {node.kubernetes.io/not-ready: }" }
        if node["spec"]?["unschedulable"]?.boolValue == true { return "node(s) were unschedulable" }
        let selector = JSONValue.stringMap(pod["spec"]?["nodeSelector"])
        let labels = node.labels
        if !selector.allSatisfy({ labels[$0.key] == $0.value }) { return "node(s) didn't match Pod's node affinity/selector" }
        if want > 0 && allocatableGPUs(node) - used < want { return "Insufficient \(Pod.gpuResourceName)" }
        return nil
    }

    /// "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. no new claims to deallocate,
    /// preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    static func failureMessage(_ reasons: [String: Int], nodeCount: Int) -> String {
        let parts = reasons.map { "\($0.value) \($0.key)" }.sorted()
        let summary = nodeCount == 0 ? "no nodes available to schedule pods" : parts.joined(separator: ", ")
        return "0/\(nodeCount) nodes are available: \(summary). no new claims to deallocate, preemption: 0/\(nodeCount) nodes are available: \(nodeCount) Preemption is not helpful for scheduling."
    }

    static func gpus(_ pod: JSONValue) -> Int64 {
        (try? pod.decoded(Pod.self).gpuRequest) ?? 0
    }

    static func allocatableGPUs(_ node: JSONValue) -> Int64 {
        guard let text = node["status"]?["allocatable"]?[Pod.gpuResourceName] else { return 0 }
        return text.intValue ?? Int64(text.stringValue ?? "") ?? 0
    }
}

/// Pod conditions, set as the kubelet and scheduler set them: a condition keeps its
/// lastTransitionTime while its status does not change.
enum PodConditions {
    static func set(_ conditions: JSONValue?, type: String, status: String, reason: String? = nil, message: String? = nil,
                    now: Date, observedGeneration: Int64? = nil) -> [JSONValue] {
        var list = conditions?.arrayValue ?? []
        let old = list.first { $0["type"]?.stringValue == type }
        var condition: JSONValue = ["type": .string(type)]
        if let observedGeneration { condition["observedGeneration"] = .int(observedGeneration) }
        condition["status"] = .string(status)
        condition["lastProbeTime"] = .null
        condition["lastTransitionTime"] = old?["status"]?.stringValue == status
            ? (old?["lastTransitionTime"] ?? .string(APITime.seconds(now))) : .string(APITime.seconds(now))
        if let reason { condition["reason"] = .string(reason) }
        if let message { condition["message"] = .string(message) }
        if let index = list.firstIndex(where: { $0["type"]?.stringValue == type }) {
            list[index] = condition
        } else {
            list.append(condition)
        }
        return list
    }
}
