import Foundation
import Kube
import YAML

/// The kubelet stand-in, in process: a pod bound to a node becomes Running, its containers
/// started and ready, `startDelay` after the pod lifecycle first sees it bound (the recorded
/// control plane's fake kubelet took about 0.5 to 1 s), with a podIP from 10.244.0.0/16 and the
/// conditions PodReadyToStartContainers, Initialized, Ready, ContainersReady and PodScheduled.
/// A pod with a deletionTimestamp is removed `terminationDelay` after that is seen.
///
/// It runs no process yet: with a `StandInKubelet`, each Running pod gets a `StandInPodServer`
/// (a STAND-IN, not the engine) whose `/health` decides readiness and which serves the pod's
/// logs and proxy paths. Running a real engine server per pod comes with the engine issues.
actor PodLifecycle: Reconciler {
    let client: KubeClient
    let kubelet: StandInKubelet?
    let clock: ControllerClock
    let startDelay: Duration
    let terminationDelay: Duration
    nonisolated var name: String { "kubelet" }
    private var boundSince: [String: Date] = [:]
    private var deletingSince: [String: Date] = [:]
    private var nextIP: UInt32 = 2

    init(client: KubeClient, clock: ControllerClock, startDelay: Duration, terminationDelay: Duration,
         kubelet: StandInKubelet? = nil) {
        self.client = client
        self.kubelet = kubelet
        self.clock = clock
        self.startDelay = startDelay
        self.terminationDelay = terminationDelay
    }

    func reconcile() async throws -> Duration? {
        let pods = try await client.listAll(APITypes.pods).items
        let nodes = Dictionary(try await client.listAll(APITypes.nodes).items.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let now = clock.now()
        var wait: Duration?
        func soon(_ d: TimeInterval) { let d = Duration.seconds(max(d, 0.001)); wait = min(wait ?? d, d) }
        let live = Set(pods.map(\.uid))
        boundSince = boundSince.filter { live.contains($0.key) }
        deletingSince = deletingSince.filter { live.contains($0.key) }
        await kubelet?.retain(uids: live)
        for pod in pods {
            if pod.isDeleting {
                await kubelet?.terminate(pod)
                let since = deletingSince[pod.uid] ?? now
                deletingSince[pod.uid] = since
                let left = since.timeIntervalSince(now) + Self.seconds(terminationDelay)
                if left > 0 { soon(left); continue }
                // The containers have stopped: the kubelet's final delete, with grace 0.
                _ = try? await client.delete(APITypes.pods, name: pod.name, namespace: pod.namespace,
                                             preconditions: DeletePreconditions(uid: pod.uid), gracePeriodSeconds: 0)
                continue
            }
            if pod["status"]?["phase"]?.stringValue == "Running" { await kubelet?.run(pod) }
            guard let nodeName = pod["spec"]?["nodeName"]?.stringValue, !nodeName.isEmpty,
                  pod["status"]?["phase"]?.stringValue == "Pending" else { continue }
            let since = boundSince[pod.uid] ?? now
            boundSince[pod.uid] = since
            let left = since.timeIntervalSince(now) + Self.seconds(startDelay)
            if left > 0 { soon(left); continue }
            do {
                try await start(pod, node: nodes[nodeName], now: now)
            } catch let error as KubeAPIError where error.isConflict || error.code == 404 {
                soon(0.05)
            }
        }
        return wait
    }

    private func start(_ pod: JSONValue, node: JSONValue?, now: Date) async throws {
        let time = JSONValue.string(APITime.seconds(now))
        let ip = JSONValue.string(allocateIP())
        let hostIP = node?["status"]?["addresses"]?.arrayValue?
            .first { $0["type"]?.stringValue == "InternalIP" }?["address"] ?? .string("10.0.0.1")
        // The stand-in server starts with the containers; its /health is the readiness probe.
        let ready = await kubelet?.run(pod) ?? true
        var conditions = pod["status"]?["conditions"]
        for type in ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"] {
            let readiness = type == "Ready" || type == "ContainersReady"
            conditions = .array(PodConditions.set(conditions, type: type, status: readiness && !ready ? "False" : "True", now: now))
        }
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []).map { c -> JSONValue in
            ["name": c["name"] ?? "", "state": ["running": ["startedAt": time]], "lastState": .object(JSONObject()),
             "ready": .bool(ready), "restartCount": 0, "image": c["image"] ?? "", "imageID": "",
             "containerID": .string("kvdeck://\(UUID().uuidString.lowercased())"), "started": true]
        }
        var status = pod["status"] ?? .object(JSONObject())
        status["observedGeneration"] = .int(pod.generation)
        status["phase"] = "Running"
        status["conditions"] = conditions
        status["hostIP"] = hostIP
        status["hostIPs"] = [["ip": hostIP]]
        status["podIP"] = ip
        status["podIPs"] = [["ip": ip]]
        status["startTime"] = time
        status["containerStatuses"] = .array(containers)
        var updated = pod
        updated["status"] = status
        _ = try await client.replace(APITypes.pods, name: pod.name, namespace: pod.namespace, subresource: "status", body: updated)
    }

    /// 10.244.x.y, in order, skipping .0 and .255 host parts.
    private func allocateIP() -> String {
        defer {
            nextIP += 1
            if nextIP % 256 == 255 { nextIP += 3 }
            if nextIP >= 65_536 { nextIP = 2 }
        }
        return "10.244.\(nextIP / 256).\(nextIP % 256)"
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
