import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck canary create` against `kvdeck demo --serve-only`: the demo's canary removed with
/// kubectl, a new one created through the demo's HTTPRoute, seen by `canary status`, promoted
/// and aborted, with kubectl reading the objects it made.
final class CanaryCreateCommandTests: XCTestCase {
    func testCanaryCreateStatusPromoteAbortOnTheDemo() throws {
        guard let kubectlPath = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-canary-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true)
        defer { demo.stop() }
        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin",
                           "XDG_STATE_HOME": home.appendingPathComponent("state").path]
        // The namespace goes before the rest: everything after --args is the canary's args.
        func kvdeck(_ verb: [String], _ rest: [String] = []) throws -> CommandRun {
            try CommandRun.run(KvdeckBinary.path, verb + ["-n", "llm-prod"] + rest, environment: environment)
        }
        func kubectl(_ arguments: String...) throws -> CommandRun {
            let run = try CommandRun.run(kubectlPath, ["-n", "llm-prod"] + arguments, environment: environment)
            XCTAssertEqual(run.status, 0, "kubectl \(arguments): \(run.stderr)")
            return run
        }
        _ = try kubectl("delete", "deployment", "smollm2-canary")
        _ = try kubectl("delete", "service", "smollm2-canary")
        _ = try kubectl("patch", "httproute", "smollm2", "--type=json",
                        "-p", #"[{"op":"remove","path":"/spec/rules/0/backendRefs/1"},{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":100}]"#)

        // --dry-run=client shows every request and sends none; --args takes the rest of the line.
        let preview = try kvdeck(["canary", "create", "smollm2"], ["--weight", "25", "--dry-run=client", "-o", "json",
                                  "--args", "--served-model-name", "smollm2", "--port", "8000", "--max-num-seqs", "64"])
        XCTAssertEqual(preview.status, 0, preview.stderr)
        let planned = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(preview.stdout.utf8)) as? [String: Any])
        let requests = try XCTUnwrap(planned["requests"] as? [[String: Any]])
        XCTAssertEqual(requests.map { "\($0["method"] ?? "") \($0["path"] ?? "")" }, [
            "POST /apis/apps/v1/namespaces/llm-prod/deployments",
            "POST /api/v1/namespaces/llm-prod/services",
            "PATCH /apis/gateway.networking.k8s.io/v1/namespaces/llm-prod/httproutes/smollm2",
        ])
        let body = requests[0]["body"] as? [String: Any]
        let container = (((body?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]]
        XCTAssertEqual(container?.first?["args"] as? [String], ["--served-model-name", "smollm2", "--port", "8000", "--max-num-seqs", "64"])
        XCTAssertEqual(try kubectl("get", "deployments", "-o", "name").stdout, "deployment.apps/smollm2\n", "a dry run creates nothing")

        let created = try kvdeck(["canary", "create", "smollm2"], ["--image", "ghcr.io/kvdeck/kvdeck:0.2.0", "--weight", "25"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(created.stdout, "deployment.apps/smollm2-canary created, with 25% of httproute/smollm2's traffic\n")
        XCTAssertTrue(created.stderr.contains("Warning: the route sends 25% to smollm2-canary at once"), created.stderr)
        XCTAssertEqual(try kubectl("get", "deployment", "smollm2-canary", "-o", "jsonpath={.spec.selector.matchLabels.track} {.spec.template.spec.containers[0].image}").stdout,
                       "canary ghcr.io/kvdeck/kvdeck:0.2.0")
        XCTAssertEqual(try kubectl("get", "service", "smollm2-canary", "-o", "jsonpath={.spec.selector.track}").stdout, "canary")
        XCTAssertEqual(try kubectl("get", "httproute", "smollm2", "-o", "jsonpath={.spec.rules[0].backendRefs[*].name} {.spec.rules[0].backendRefs[*].weight}").stdout,
                       "smollm2-stable smollm2-canary 75 25")

        let again = try kvdeck(["canary", "create", "smollm2"], ["--image", "x:1"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.hasPrefix("error: deployment smollm2-canary already exists"), again.stderr)

        let status = try kvdeck(["canary", "status", "smollm2"], ["-o", "json"])
        XCTAssertEqual(status.status, 0, status.stderr)
        let state = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(state?["mechanism"] as? String, "gateway-api-httproute")
        XCTAssertEqual(state?["canaryPercent"] as? Int, 25)

        XCTAssertEqual(try kvdeck(["canary", "promote", "smollm2"]).status, 0)
        XCTAssertEqual(try kubectl("get", "httproute", "smollm2", "-o", "jsonpath={.spec.rules[0].backendRefs[*].weight}").stdout, "0 100")
        XCTAssertEqual(try kvdeck(["canary", "abort", "smollm2"]).status, 0)
        XCTAssertEqual(try kubectl("get", "httproute", "smollm2", "-o", "jsonpath={.spec.rules[0].backendRefs[*].weight}").stdout, "100 0")

        let help = try kvdeck(["canary", "create"], ["--help"])
        XCTAssertTrue(help.stdout.contains("--weight"), help.stdout)
        XCTAssertTrue(help.stdout.contains("track=canary"), help.stdout)
    }
}
