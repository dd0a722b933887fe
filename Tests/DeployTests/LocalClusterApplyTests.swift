import Deploy
import DeployTemplates
import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterTestSupport
import XCTest
import YAML

/// The templates of built-in kinds applied with `ClusterDeploy` to the local cluster in process
/// (API, controllers, the recorded GPU nodes): weights on a PersistentVolumeClaim, the network
/// policy and the disruption budget included, then the rollout followed and the budget's status
/// computed from the running pods.
final class LocalClusterApplyTests: XCTestCase {
    static let claims = ResourceType(group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true)
    static let budgets = ResourceType(group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true)
    static let policies = ResourceType(group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true)

    func testSingleGPUWithPersistenceNetworkPolicyAndDisruptionBudgetApplyAndRollOut() async throws {
        let cluster = try await RunningLocalCluster.start(namespace: "llm-prod", user: "kvdeck-admin", resyncInterval: .seconds(1))
        let client = cluster.client
        do {
            try await applyAll(client)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func applyAll(_ client: KubeClient) async throws {
        let library = TemplateLibrary(directory: DeployTemplatesBundle.sourceDirectory)
        let deployer = ClusterDeploy(client: client)
        let runs: [(String, [String])] = [
            ("single-gpu", ["name=qwen", "replicas=2", "persistence=true", "hfToken=hf_not_a_real_token"]),
            ("network-policy", ["name=qwen"]),
            ("disruption-budget", ["name=qwen", "maxUnavailable=1"]),
        ]
        for (name, settings) in runs {
            let rendered = try ManifestRenderer.render(try library.template(named: name), settings: settings, namespace: "llm-prod")
            let preview = try await deployer.preview(rendered)
            XCTAssertTrue(preview.allSatisfy { $0.action == .create }, "\(name): \(preview.map(\.reference))")
            let applied = try await deployer.apply(rendered)
            XCTAssertEqual(applied.count, rendered.objects.count, name)
            try await deployer.followRollouts(of: rendered.objects, timeout: .seconds(60), interval: .milliseconds(50)) { _ in }
            let again = try await deployer.preview(rendered)
            XCTAssertTrue(again.allSatisfy { $0.action == .none }, "\(name) re-applied changes nothing: \(again.map { $0.diff })")
        }
        let claim = try await client.get(Self.claims, name: "qwen-weights", namespace: "llm-prod")
        XCTAssertEqual(claim["status"]?["phase"], "Bound")
        let policy = try await client.get(Self.policies, name: "qwen", namespace: "llm-prod")
        XCTAssertEqual(policy["spec"]?["podSelector"]?["matchLabels"]?["app"], "qwen")
        // The disruption controller counts the Deployment's two Ready pods.
        var budget = JSONValue.null
        for _ in 0..<200 {
            budget = try await client.get(Self.budgets, name: "qwen", namespace: "llm-prod")
            if budget["status"]?["currentHealthy"] == 2 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        XCTAssertEqual(budget["status"]?["expectedPods"], 2)
        XCTAssertEqual(budget["status"]?["currentHealthy"], 2)
        XCTAssertEqual(budget["status"]?["desiredHealthy"], 1)
        XCTAssertEqual(budget["status"]?["disruptionsAllowed"], 1)
    }
}
