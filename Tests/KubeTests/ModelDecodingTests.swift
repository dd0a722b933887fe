import Foundation
import XCTest
import YAML
@testable import Kube

/// Workload models decoded from responses recorded from a real kube-apiserver (v1.36.2).
final class ModelDecodingTests: XCTestCase {
    private func real(_ path: String) -> String { ModelFixtures.real(path) }

    func testResourceTypes() {
        XCTAssertEqual(Deployment.resourceType.apiVersion, "apps/v1")
        XCTAssertEqual(Deployment.resourceType.description, "deployments.apps")
        XCTAssertEqual(ControllerRevision.resourceType.resource, "controllerrevisions")
        XCTAssertEqual(Pod.resourceType.apiVersion, "v1")
        XCTAssertFalse(Node.resourceType.namespaced)
        XCTAssertFalse(Namespace.resourceType.namespaced)
        XCTAssertEqual(EndpointSlice.resourceType.apiVersion, "discovery.k8s.io/v1")
        XCTAssertEqual(HorizontalPodAutoscaler.resourceType.apiVersion, "autoscaling/v2")
        XCTAssertEqual(EventsV1Event.resourceType.description, "events.events.k8s.io")
        XCTAssertEqual(Event.resourceType.description, "events")
        XCTAssertEqual(SelfSubjectAccessReview.resourceType.apiVersion, "authorization.k8s.io/v1")
        XCTAssertEqual(SelfSubjectReview.resourceType.apiVersion, "authentication.k8s.io/v1")
        XCTAssertEqual(Scale.resourceType.apiVersion, "autoscaling/v1")
    }

    func testDeploymentMidRollout() throws {
        let deployment = try ModelFixtures.decode(Deployment.self, real("02-deployment-rollout/03-after-set-image.deployment.json"))
        XCTAssertEqual(deployment.metadata.name, "vllm-qwen")
        XCTAssertEqual(deployment.metadata.namespace, "fixtures")
        XCTAssertEqual(deployment.revision, 2)
        XCTAssertEqual(deployment.spec?.replicas, 2)
        XCTAssertEqual(deployment.spec?.strategy?.type, "RollingUpdate")
        XCTAssertEqual(deployment.spec?.strategy?.rollingUpdate?.maxSurge, .string("25%"))
        XCTAssertEqual(deployment.spec?.template?.spec?.containers?.first?.image, "vllm/vllm-openai:v0.6.4")
        XCTAssertEqual(deployment.status?.replicas, 3)
        XCTAssertEqual(deployment.status?.updatedReplicas, 1)
        XCTAssertEqual(deployment.status?.unavailableReplicas, 1)
        XCTAssertEqual(deployment.status?.conditions?.first(ofType: "Progressing")?.reason, "ReplicaSetUpdated")
        XCTAssertEqual(deployment.readyText, "2/2")
        XCTAssertEqual(deployment.rolloutState, .updatingReplicas(updated: 1, desired: 2))
        XCTAssertFalse(deployment.isRolloutComplete)
        XCTAssertEqual(deployment.spec?.selector?.queryString,
                       "app.kubernetes.io/instance=vllm-qwen,app.kubernetes.io/name=vllm")
    }

    func testDeploymentCompleteScaledAndPaused() throws {
        let scaled = try ModelFixtures.decode(Deployment.self, real("02-deployment-rollout/08-after-scale.deployment.json"))
        XCTAssertEqual(scaled.readyText, "3/3")
        XCTAssertEqual(scaled.status?.observedGeneration, 6)
        XCTAssertTrue(scaled.isRolloutComplete)

        let paused = try ModelFixtures.decode(Deployment.self, real("02-deployment-rollout/10-after-rollout-pause.deployment.json"))
        XCTAssertEqual(paused.spec?.paused, true)
        XCTAssertEqual(paused.status?.conditions?.first(ofType: "Progressing")?.reason, "DeploymentPaused")

        let resumed = try ModelFixtures.decode(Deployment.self, real("02-deployment-rollout/12-after-rollout-resume.deployment.json"))
        XCTAssertNil(resumed.spec?.paused)
    }

    func testDeploymentThatCannotSchedule() throws {
        let deployment = try ModelFixtures.decode(Deployment.self, real("13-extras/vllm-too-big.deployment.json"))
        XCTAssertEqual(deployment.readyText, "0/1")
        XCTAssertEqual(deployment.rolloutState, .progressDeadlineExceeded)
        XCTAssertFalse(deployment.isRolloutComplete)
    }

    func testRolloutStatesFromSnippets() throws {
        func deployment(_ generation: Int, _ spec: String, _ status: String) throws -> Deployment {
            let json = #"{"metadata":{"name":"d","generation":\#(generation)},"spec":\#(spec),"status":\#(status)}"#
            return try JSONDecoder().decode(Deployment.self, from: Data(json.utf8))
        }
        XCTAssertEqual(try deployment(3, #"{"replicas":2}"#, #"{"observedGeneration":2}"#).rolloutState, .waitingForObservation)
        XCTAssertEqual(try deployment(1, #"{"replicas":2}"#, #"{}"#).rolloutState, .waitingForObservation)
        XCTAssertEqual(try deployment(2, #"{"replicas":2}"#, #"{"observedGeneration":2,"replicas":3,"updatedReplicas":2,"availableReplicas":2}"#).rolloutState,
                       .terminatingOldReplicas(pending: 1))
        XCTAssertEqual(try deployment(2, #"{"replicas":2}"#, #"{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"availableReplicas":1}"#).rolloutState,
                       .waitingForAvailable(available: 1, updated: 2))
        XCTAssertEqual(try deployment(2, #"{}"#, #"{"observedGeneration":2}"#).readyText, "0/1")

        func statefulSet(_ spec: String, _ status: String) throws -> StatefulSet {
            let json = #"{"metadata":{"name":"s","generation":2},"spec":\#(spec),"status":\#(status)}"#
            return try JSONDecoder().decode(StatefulSet.self, from: Data(json.utf8))
        }
        let ready = #""observedGeneration":2,"readyReplicas":3,"updatedReplicas":1"#
        XCTAssertFalse(try statefulSet(#"{"replicas":3}"#, #"{\#(ready),"currentRevision":"a","updateRevision":"b"}"#).isRolloutComplete)
        XCTAssertTrue(try statefulSet(#"{"replicas":3}"#, #"{\#(ready),"currentRevision":"b","updateRevision":"b"}"#).isRolloutComplete)
        let partitioned = #"{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}"#
        XCTAssertTrue(try statefulSet(partitioned, #"{\#(ready),"currentRevision":"a","updateRevision":"b"}"#).isRolloutComplete)
        XCTAssertFalse(try statefulSet(#"{"replicas":3}"#, #"{"observedGeneration":2,"readyReplicas":2}"#).isRolloutComplete)
    }

    func testEveryRolloutStepDecodes() throws {
        let steps = ["01-after-create", "02-after-rollout-complete", "03-after-set-image",
                     "04-after-annotate-change-cause", "05-after-rollout-complete", "06-after-rollout-undo",
                     "07-after-rollout-undo-to-revision-2", "08-after-scale", "09-after-rollout-restart",
                     "10-after-rollout-pause", "11-after-undo-while-paused", "12-after-rollout-resume"]
        var revisions: [Int64] = []
        for step in steps {
            let deployment = try ModelFixtures.decode(Deployment.self, real("02-deployment-rollout/\(step).deployment.json"))
            revisions.append(deployment.revision ?? -1)
            let replicaSets = try ModelFixtures.items(ReplicaSet.self, real("02-deployment-rollout/\(step).replicasets.json"))
            XCTAssertFalse(replicaSets.isEmpty, step)
            for replicaSet in replicaSets {
                XCTAssertEqual(replicaSet.controllerRef?.name, "vllm-qwen", step)
                XCTAssertEqual(replicaSet.controllerRef?.kind, "Deployment", step)
            }
            let pods = try ModelFixtures.items(Pod.self, real("02-deployment-rollout/\(step).pods.json"))
            for pod in pods {
                XCTAssertEqual(pod.gpuRequest, 1, "\(step) \(pod.metadata.name ?? "")")
                XCTAssertTrue(deployment.spec?.selector?.matches(labels: pod.metadata.labels ?? [:]) ?? false)
            }
        }
        // Undo re-stamps old ReplicaSets with new revision numbers: 1, 2, 3 (undo), 4 (undo to 2), 5 (restart).
        XCTAssertEqual(revisions, [1, 1, 2, 2, 2, 3, 4, 4, 5, 5, 5, 5])
    }

    func testReplicaSetsMidRollout() throws {
        let replicaSets = try ModelFixtures.items(ReplicaSet.self, real("02-deployment-rollout/03-after-set-image.replicasets.json"))
        let byName = Dictionary(uniqueKeysWithValues: replicaSets.map { ($0.metadata.name ?? "", $0) })
        let new = try XCTUnwrap(byName["vllm-qwen-57469b84b8"])
        XCTAssertEqual(new.revision, 2)
        XCTAssertEqual(new.podTemplateHash, "57469b84b8")
        XCTAssertEqual(new.spec?.replicas, 2)
        XCTAssertEqual(new.status?.readyReplicas, 1)
        let old = try XCTUnwrap(byName["vllm-qwen-7985ffffd9"])
        XCTAssertEqual(old.revision, 1)
        XCTAssertEqual(old.status?.terminatingReplicas, 1)
        XCTAssertEqual(old.spec?.template?.spec?.containers?.first?.image, "vllm/vllm-openai:v0.6.3")
    }

    func testPodsMidRollout() throws {
        let pods = try ModelFixtures.items(Pod.self, real("02-deployment-rollout/03-after-set-image.pods.json"))
        let byName = Dictionary(uniqueKeysWithValues: pods.map { ($0.metadata.name ?? "", $0) })
        XCTAssertEqual(byName.count, 4)
        let pending = try XCTUnwrap(byName["vllm-qwen-57469b84b8-rhsqk"])
        XCTAssertEqual(pending.displayStatus, "Pending")
        XCTAssertEqual(pending.readyText, "0/1")
        let terminating = try XCTUnwrap(byName["vllm-qwen-7985ffffd9-5qglr"])
        XCTAssertEqual(terminating.metadata.deletionTimestamp, "2026-11-21T10:20:32Z")
        XCTAssertEqual(terminating.displayStatus, "Terminating")
        let running = try XCTUnwrap(byName["vllm-qwen-57469b84b8-rdsql"])
        XCTAssertEqual(running.displayStatus, "Running")
        XCTAssertEqual(running.readyText, "1/1")
        XCTAssertEqual(running.restarts, 0)
        XCTAssertTrue(running.isReady)
        XCTAssertEqual(running.controllerRef?.name, "vllm-qwen-57469b84b8")
        XCTAssertEqual(running.spec?.containers?.first?.image, "vllm/vllm-openai:v0.6.4")
    }

    func testRichPodFields() throws {
        let pods = try ModelFixtures.items(Pod.self, real("05-lists/pods.all-namespaces.json"))
        XCTAssertEqual(pods.count, 8)
        XCTAssertEqual(Set(pods.compactMap(\.metadata.namespace)), ["fixtures", "llm-prod"])
        let pod = try XCTUnwrap(pods.first { $0.metadata.name == "vllm-qwen-7f6957fc75-55cs9" })
        XCTAssertEqual(pod.metadata.key, "fixtures/vllm-qwen-7f6957fc75-55cs9")
        XCTAssertEqual(pod.metadata.annotations?["prometheus.io/port"], "8000")
        let spec = try XCTUnwrap(pod.spec)
        XCTAssertEqual(spec.nodeName, "gpu-node-b")
        XCTAssertEqual(spec.serviceAccountName, "default")
        XCTAssertEqual(spec.terminationGracePeriodSeconds, 30)
        XCTAssertEqual(spec.tolerations?.first?.key, "node.kubernetes.io/not-ready")
        XCTAssertEqual(spec.tolerations?.first?.tolerationSeconds, 300)
        XCTAssertEqual(spec.volumes?.first?.name, "kube-api-access-ft4lc")
        let container = try XCTUnwrap(spec.containers?.first)
        XCTAssertEqual(container.args?.prefix(2), ["--model", "Qwen/Qwen2.5-0.5B-Instruct"])
        XCTAssertEqual(container.ports?.first?.containerPort, 8000)
        XCTAssertEqual(container.ports?.first?.name, "http")
        XCTAssertEqual(container.resources?.limits?["memory"]?.int64Value, 16 * 1024 * 1024 * 1024)
        XCTAssertEqual(container.resources?.requests?["cpu"]?.milliValue, 2000)
        XCTAssertEqual(container.readinessProbe?.httpGet?.path, "/health")
        XCTAssertEqual(container.readinessProbe?.httpGet?.port, .string("http"))
        XCTAssertEqual(container.livenessProbe?.initialDelaySeconds, 120)
        let status = try XCTUnwrap(pod.status)
        XCTAssertEqual(status.phase, "Running")
        XCTAssertEqual(status.podIP, "127.0.1.8")
        XCTAssertEqual(status.hostIP, "127.0.0.12")
        XCTAssertEqual(status.qosClass, "Burstable")
        XCTAssertEqual(status.conditions?.count, 5)
        let containerStatus = try XCTUnwrap(status.containerStatuses?.first)
        XCTAssertEqual(containerStatus.restartCount, 0)
        XCTAssertEqual(containerStatus.started, true)
        XCTAssertEqual(containerStatus.state?.running?.startedAt, "2026-11-21T10:20:19Z")
        XCTAssertEqual(containerStatus.lastState, ContainerState())
        XCTAssertTrue(containerStatus.imageID?.hasPrefix("docker.io/vllm/vllm-openai@sha256:") ?? false)
        XCTAssertEqual(pod.gpuRequest, 1)
    }

    func testEveryListFixtureDecodes() throws {
        let podLists = ["pods.fieldSelector-running-on-gpu-node-a.json": 2, "pods.labelSelector-vllm-sts.json": 2,
                        "pods.limit-2.inconsistent-continue.json": 2, "pods.limit-2.page-1.json": 2,
                        "pods.limit-2.page-2.json": 2, "pods.limit-2.page-3.json": 1, "pods.resourceVersion-0.json": 5,
                        "pods.resourceVersion-0.limit-2.json": 5, "pods.resourceVersion-cache.NotOlderThan.json": 5,
                        "pods.resourceVersion-exact.json": 5]
        for (file, count) in podLists {
            XCTAssertEqual(try ModelFixtures.items(Pod.self, real("05-lists/" + file)).count, count, file)
        }
        let onNodeA = try ModelFixtures.items(Pod.self, real("05-lists/pods.fieldSelector-running-on-gpu-node-a.json"))
        XCTAssertEqual(onNodeA.map(\.spec?.nodeName), ["gpu-node-a", "gpu-node-a"])
        XCTAssertEqual(try ModelFixtures.items(Deployment.self, real("05-lists/deployments.all-namespaces.json"))
            .compactMap(\.metadata.namespace).sorted(), ["fixtures", "llm-prod"])
        XCTAssertEqual(try ModelFixtures.items(Deployment.self, real("05-lists/deployments.json")).first?.revision, 5)
        XCTAssertEqual(try ModelFixtures.items(ReplicaSet.self, real("05-lists/replicasets.json")).compactMap(\.revision).sorted(), [3, 4, 5])
        XCTAssertEqual(try ModelFixtures.items(StatefulSet.self, real("05-lists/statefulsets.json")).first?.metadata.name, "vllm-sts")
        let namespaces = try ModelFixtures.items(Namespace.self, real("05-lists/namespaces.json"))
        XCTAssertEqual(namespaces.compactMap(\.metadata.name), ["default", "fixtures", "kube-node-lease", "kube-public", "kube-system", "llm-prod"])
        XCTAssertEqual(namespaces.first?.status?.phase, "Active")
        XCTAssertEqual(namespaces.first?.spec?.finalizers, ["kubernetes"])

        // A PartialObjectMetadataList: only metadata, which is all the Pod model requires.
        let partial = try ModelFixtures.items(Pod.self, real("05-lists/pods.partial-object-metadata.json"))
        XCTAssertEqual(partial.count, 5)
        XCTAssertEqual(partial.first?.metadata.name, "vllm-qwen-7f6957fc75-55cs9")
        XCTAssertNil(partial.first?.spec)
        XCTAssertEqual(partial.first?.controllerRef?.kind, "ReplicaSet")

        XCTAssertEqual(try ModelFixtures.items(Pod.self, real("06-watch/pods.list-before-watch.json")).count, 5)
        XCTAssertEqual(try ModelFixtures.items(Deployment.self, real("06-watch/deployments.list-before-watch.json")).first?.readyText, "3/3")
        XCTAssertEqual(try ModelFixtures.items(ReplicaSet.self, real("06-watch/replicasets.list-before-watch.json")).count, 3)
    }

    func testBookmarkPodWithNullContainers() throws {
        let json = #"{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"2110"},"spec":{"containers":null},"status":{}}"#
        let pod = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        XCTAssertEqual(pod.metadata.resourceVersion, "2110")
        XCTAssertNil(pod.spec?.containers)
        XCTAssertEqual(pod.readyText, "0/0")
        XCTAssertEqual(pod.gpuRequest, 0)
    }

    func testStatefulSetAndRevisions() throws {
        let statefulSet = try ModelFixtures.decode(StatefulSet.self, real("04-statefulset/06-after-rollout-undo-to-revision-1.statefulset.json"))
        XCTAssertEqual(statefulSet.spec?.replicas, 2)
        XCTAssertEqual(statefulSet.spec?.updateStrategy?.type, "RollingUpdate")
        XCTAssertEqual(statefulSet.status?.currentRevision, "vllm-sts-66c4475758")
        XCTAssertEqual(statefulSet.status?.updateRevision, "vllm-sts-66c4475758")
        XCTAssertEqual(statefulSet.readyText, "2/2")
        XCTAssertTrue(statefulSet.isRolloutComplete)

        let revisions = try ModelFixtures.items(ControllerRevision.self, real("04-statefulset/06-after-rollout-undo-to-revision-1.controllerrevisions.json"))
        XCTAssertEqual(revisions.map(\.revision).sorted(), [3, 4, 5])
        let current = try XCTUnwrap(revisions.first { $0.metadata.name == "vllm-sts-66c4475758" })
        XCTAssertEqual(current.revision, 5)
        XCTAssertEqual(current.controllerRef?.name, "vllm-sts")
        // The raw patch keeps its "$patch" directive for undo; the typed view reads the template.
        guard case .object(let root)? = current.data, case .object(let spec)? = root["spec"],
              case .object(let template)? = spec["template"] else { return XCTFail("data is not a template patch") }
        XCTAssertEqual(template["$patch"], .string("replace"))
        XCTAssertEqual(current.podTemplate?.spec?.containers?.first?.args?[5], "8192")
        let older = try XCTUnwrap(revisions.first { $0.metadata.name == "vllm-sts-c86b85db8" })
        XCTAssertEqual(older.podTemplate?.spec?.containers?.first?.args?[5], "4096")

        let pods = try ModelFixtures.items(Pod.self, real("04-statefulset/06-after-rollout-undo-to-revision-1.pods.json"))
        XCTAssertEqual(pods.map(\.metadata.name), ["vllm-sts-0", "vllm-sts-1"])
        XCTAssertEqual(pods.map(\.spec?.nodeName), ["gpu-node-c", "gpu-node-a"])
        XCTAssertEqual(pods.first?.metadata.labels?["controller-revision-hash"], "vllm-sts-66c4475758")
        XCTAssertEqual(pods.first?.controllerRef?.kind, "StatefulSet")
    }

    func testEveryStatefulSetStepDecodes() throws {
        for step in ["01-after-create", "02-after-set-image", "03-after-args-change", "05-after-rollout-undo",
                     "06-after-rollout-undo-to-revision-1"] {
            let statefulSet = try ModelFixtures.decode(StatefulSet.self, real("04-statefulset/\(step).statefulset.json"))
            XCTAssertEqual(statefulSet.metadata.name, "vllm-sts", step)
            let revisions = try ModelFixtures.items(ControllerRevision.self, real("04-statefulset/\(step).controllerrevisions.json"))
            XCTAssertTrue(revisions.contains { $0.metadata.name == statefulSet.status?.updateRevision }, step)
            XCTAssertFalse(try ModelFixtures.items(Pod.self, real("04-statefulset/\(step).pods.json")).isEmpty, step)
        }
    }

    func testScaleSubresource() throws {
        let scale = try ModelFixtures.decode(Scale.self, real("03-scale-subresource/deployment-scale.json"))
        XCTAssertEqual(scale.metadata.name, "vllm-qwen")
        XCTAssertEqual(scale.spec?.replicas, 3)
        XCTAssertEqual(scale.status?.replicas, 3)
        XCTAssertEqual(scale.status?.selector, "app.kubernetes.io/instance=vllm-qwen,app.kubernetes.io/name=vllm")
        let viewer = try ModelFixtures.decode(Scale.self, real("03-scale-subresource/deployment-scale.viewer-token.json"))
        XCTAssertEqual(viewer.spec?.replicas, 3)
    }

    func testUnschedulablePod() throws {
        let pod = try XCTUnwrap(try ModelFixtures.items(Pod.self, real("13-extras/vllm-too-big.pods.json")).first)
        XCTAssertEqual(pod.displayStatus, "Pending")
        XCTAssertEqual(pod.readyText, "0/1")
        XCTAssertEqual(pod.gpuRequest, 16)
        XCTAssertNil(pod.spec?.nodeName)
        XCTAssertEqual(pod.status?.qosClass, "BestEffort")
        let scheduled = try XCTUnwrap(pod.status?.conditions?.first(ofType: "PodScheduled"))
        XCTAssertFalse(scheduled.isTrue)
        XCTAssertEqual(scheduled.reason, "Unschedulable")
        XCTAssertEqual(scheduled.observedGeneration, 1)

        let events = try ModelFixtures.items(Event.self, real("13-extras/vllm-too-big.events.json"))
        let failed = try XCTUnwrap(events.first { $0.involvedObject?.name == pod.metadata.name })
        XCTAssertEqual(failed.reason, "FailedScheduling")
        XCTAssertTrue(failed.isWarning)
        XCTAssertTrue(failed.message?.contains("Insufficient nvidia.com/gpu") ?? false)
    }

    func testK9sWorkloads() throws {
        let deployment = try ModelFixtures.decode(Deployment.self, "public-repos/k9s-deployment.json")
        XCTAssertEqual(deployment.metadata.name, "icx-db")
        XCTAssertEqual(deployment.spec?.template?.spec?.containers?.first?.image, "postgres:9.2-alpine")
        XCTAssertEqual(deployment.readyText, "1/1")
        XCTAssertTrue(deployment.isRolloutComplete)

        let pod = try ModelFixtures.decode(Pod.self, "public-repos/k9s-pod.json")
        XCTAssertEqual(pod.metadata.name, "nginx")
        XCTAssertEqual(pod.displayStatus, "Running")
        XCTAssertEqual(pod.spec?.containers?.first?.resources?.requests?["cpu"]?.milliValue, 100)
        XCTAssertEqual(pod.spec?.containers?.first?.resources?.limits?["memory"]?.int64Value, 170 * 1024 * 1024)
        XCTAssertEqual(pod.gpuRequest, 0)

        // The init container is still running (ready, not terminated): kubectl shows Init:0/1 even
        // though the Initialized condition is already True.
        let initializing = try ModelFixtures.decode(Pod.self, "public-repos/k9s-pod-init.json")
        XCTAssertEqual(initializing.spec?.initContainers?.first?.name, "ic1")
        XCTAssertEqual(initializing.displayStatus, "Init:0/1")
        XCTAssertEqual(initializing.readyText, "1/1")
        XCTAssertEqual(initializing.spec?.volumes?.first?.persistentVolumeClaim?.claimName, "web")

        let service = try ModelFixtures.decode(Service.self, "public-repos/k9s-service.json")
        XCTAssertEqual(service.spec?.type, "ClusterIP")
        XCTAssertEqual(service.spec?.clusterIP, "10.47.248.116")
        XCTAssertEqual(service.spec?.ports?.first?.port, 4001)
        XCTAssertEqual(service.spec?.ports?.first?.targetPort, .string("http"))
        XCTAssertEqual(service.spec?.selector, ["app": "dictionary1"])

        // An autoscaling/v1 object read through the v2 model keeps its target and bounds.
        let hpa = try ModelFixtures.decode(HorizontalPodAutoscaler.self, "public-repos/k9s-hpa.json")
        XCTAssertEqual(hpa.spec?.scaleTargetRef?.kind, "Deployment")
        XCTAssertEqual(hpa.spec?.scaleTargetRef?.name, "nginx")
        XCTAssertEqual(hpa.spec?.minReplicas, 1)
        XCTAssertEqual(hpa.spec?.maxReplicas, 10)
        XCTAssertEqual(hpa.spec?.targetCPUUtilizationPercentage, 10)
        XCTAssertEqual(hpa.status?.currentReplicas, 0)
        XCTAssertEqual(hpa.status?.desiredReplicas, 0)
    }
}
