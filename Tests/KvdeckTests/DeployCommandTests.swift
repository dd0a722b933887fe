import Foundation
import KvdeckTestSupport
import XCTest
import YAML

/// `kvdeck deploy`: rendering and parameter errors without a cluster, then against the local
/// cluster (`kvdeck demo --serve-only`): preview, server-side apply, rollout, re-apply, refusal of
/// kinds the cluster does not serve.
final class DeployCommandTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-deploy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let home { try? FileManager.default.removeItem(at: home) }
    }

    private func kvdeck(_ arguments: [String], kubeconfig: String? = nil) throws -> CommandRun {
        var environment = ["HOME": home.path, "PATH": "/usr/bin:/bin"]
        if let kubeconfig { environment["KUBECONFIG"] = kubeconfig }
        return try CommandRun.run(KvdeckBinary.path, arguments, environment: environment)
    }

    func testListShowsEveryTemplateWithItsParameters() throws {
        let run = try kvdeck(["deploy", "--list"])
        XCTAssertEqual(run.status, 0, run.stderr)
        for name in ["single-gpu", "tensor-parallel", "multi-node-lws", "multi-node-ray", "kserve", "autoscaling-hpa",
                     "autoscaling-keda", "network-policy", "disruption-budget", "istio-security", "gateway-canary",
                     "pod-monitor", "grafana-dashboard"] {
            XCTAssertTrue(run.stdout.contains("\n\(name)\n") || run.stdout.hasPrefix("\(name)\n"), name)
        }
        XCTAssertTrue(run.stdout.contains("  rule: tensorParallel * pipelineParallel == gpus\n"), run.stdout)
        let one = try kvdeck(["deploy", "--list", "kserve"])
        XCTAssertTrue(one.stdout.hasPrefix("kserve\n"), one.stdout)
        XCTAssertTrue(one.stdout.contains("  canaryTrafficPercent "), one.stdout)
    }

    func testRenderOnlyPrintsYAMLThatParsesBack() throws {
        let run = try kvdeck(["deploy", "single-gpu", "-o", "yaml", "-n", "team-a", "--set", "name=qwen", "--set", "replicas=2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let objects = try YAML.parseDocuments(run.stdout)
        XCTAssertEqual(objects.map { $0["kind"]?.stringValue ?? "" }, ["PersistentVolumeClaim", "Service", "Deployment"])
        XCTAssertTrue(objects.allSatisfy { $0["metadata"]?["namespace"] == "team-a" })
        XCTAssertEqual(objects[2]["spec"]?["replicas"], 2)

        let json = try kvdeck(["deploy", "gateway-canary", "-o", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(try JSONValue(json: json.stdout)["items"]?[0]?["metadata"]?["namespace"], "default")
    }

    func testParameterErrorsEndWithStatusOneAndAMessage() throws {
        let rule = try kvdeck(["deploy", "single-gpu", "-o", "yaml", "--set", "gpus=2"])
        XCTAssertEqual(rule.status, 1)
        XCTAssertEqual(rule.stderr, "error: single-gpu: tensorParallel × pipelineParallel must equal the GPUs of the pod; now tensorParallel=1, pipelineParallel=1, gpus=2 (rule: tensorParallel * pipelineParallel == gpus)\n")
        let unknown = try kvdeck(["deploy", "single-gpu", "--set", "gpu=2"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.hasPrefix("error: template single-gpu has no parameter \"gpu\"; its parameters: name, model,"), unknown.stderr)
        let template = try kvdeck(["deploy", "single-gpus", "-o", "yaml"])
        XCTAssertEqual(template.status, 1)
        XCTAssertTrue(template.stderr.hasPrefix("error: unknown template \"single-gpus\"; templates: "), template.stderr)
        XCTAssertNotEqual(try kvdeck(["deploy"]).status, 0, "a template or --list is needed")
    }

    func testDeployToTheLocalClusterPreviewsAppliesAndRollsOut() throws {
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true)
        defer { demo.stop() }
        // The weights on a PersistentVolumeClaim (persistence=true, the default): the local cluster binds it at once.
        let settings = ["--set", "name=qwen", "--set", "hfToken=hf_not_a_real_token", "-n", "llm-prod"]

        let preview = try kvdeck(["deploy", "single-gpu", "--dry-run"] + settings, kubeconfig: kubeconfig)
        XCTAssertEqual(preview.status, 0, preview.stderr)
        XCTAssertTrue(preview.stdout.contains("--- /dev/null\n+++ proposed/deployment.apps/qwen\n"), preview.stdout)
        XCTAssertTrue(preview.stdout.contains("deployment.apps/qwen created (server dry run)\n"), preview.stdout)
        XCTAssertFalse(preview.stdout.contains("hf_not_a_real_token"), "secret values are masked in the diff")
        XCTAssertEqual(try kvdeck(["get", "deployments", "qwen", "-n", "llm-prod"], kubeconfig: kubeconfig).status, 1,
                       "a dry run stores nothing")

        let deploy = try kvdeck(["deploy", "single-gpu", "--timeout", "120"] + settings, kubeconfig: kubeconfig)
        XCTAssertEqual(deploy.status, 0, deploy.stderr + deploy.stdout)
        for line in ["persistentvolumeclaim/qwen-weights serverside-applied", "secret/qwen-hf-token serverside-applied", "service/qwen serverside-applied",
                     "deployment.apps/qwen serverside-applied", "deployment \"qwen\" successfully rolled out"] {
            XCTAssertTrue(deploy.stdout.contains(line + "\n"), "\(line) in\n\(deploy.stdout)")
        }
        let got = try kvdeck(["get", "deployments", "qwen", "-n", "llm-prod", "-o", "json", "--show-managed-fields"], kubeconfig: kubeconfig)
        XCTAssertEqual(got.status, 0, got.stderr)
        let object = try JSONValue(json: got.stdout)
        XCTAssertEqual(object["status"]?["availableReplicas"], 1)
        XCTAssertTrue(object["metadata"]?["managedFields"]?.arrayValue?.contains {
            $0["manager"] == "kvdeck" && $0["operation"] == "Apply"
        } == true, "applied server-side as kvdeck")
        XCTAssertEqual(try kvdeck(["get", "services", "qwen", "-n", "llm-prod"], kubeconfig: kubeconfig).status, 0)

        let again = try kvdeck(["deploy", "single-gpu", "--dry-run"] + settings, kubeconfig: kubeconfig)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("deployment.apps/qwen unchanged (server dry run)\n"), again.stdout)
        XCTAssertTrue(again.stdout.contains("secret/qwen-hf-token unchanged (server dry run)\n"), again.stdout)

        let scaled = try kvdeck(["deploy", "single-gpu", "--dry-run", "--set", "replicas=2"] + settings, kubeconfig: kubeconfig)
        XCTAssertTrue(scaled.stdout.contains("-  replicas: 1\n+  replicas: 2\n"), scaled.stdout)
        XCTAssertTrue(scaled.stdout.contains("deployment.apps/qwen configured (server dry run)\n"), scaled.stdout)
    }

    func testAddOnsTheLocalClusterServesApplyCleanly() throws {
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true)
        defer { demo.stop() }
        for template in ["tensor-parallel", "autoscaling-hpa", "gateway-canary", "grafana-dashboard", "network-policy", "disruption-budget"] {
            var arguments = ["deploy", template, "-n", "llm-prod", "--timeout", "120"]
            if template == "tensor-parallel" { arguments += ["--set", "persistence=true", "--set", "name=big"] }
            let run = try kvdeck(arguments, kubeconfig: kubeconfig)
            XCTAssertEqual(run.status, 0, "\(template): \(run.stderr)\(run.stdout)")
            XCTAssertTrue(run.stdout.contains("serverside-applied\n"), run.stdout)
        }
        XCTAssertEqual(try kvdeck(["get", "deployments", "big", "-n", "llm-prod"], kubeconfig: kubeconfig).status, 0)
        // kvdeck get knows only the console's kinds: kubectl reads the rest.
        let kubectl = try XCTUnwrap(CommandRun.which("kubectl"), "kubectl is installed on the test machines")
        let environment = ["HOME": home.path, "PATH": "/usr/bin:/bin", "KUBECONFIG": kubeconfig]
        let claim = try CommandRun.run(kubectl, ["get", "pvc", "big-weights", "-n", "llm-prod", "-o", "jsonpath={.status.phase}"],
                                       environment: environment)
        XCTAssertEqual(claim.stdout, "Bound", claim.stderr)
        let policies = try CommandRun.run(kubectl, ["get", "pdb,netpol", "-n", "llm-prod", "-o", "name"], environment: environment)
        XCTAssertEqual(policies.stdout, "poddisruptionbudget.policy/vllm\nnetworkpolicy.networking.k8s.io/vllm\n", policies.stderr)
        let unserved = try kvdeck(["deploy", "pod-monitor", "-n", "llm-prod"], kubeconfig: kubeconfig)
        XCTAssertEqual(unserved.status, 1)
        XCTAssertTrue(unserved.stderr.contains("PodMonitor (monitoring.coreos.com/v1)"), unserved.stderr)
    }
}
