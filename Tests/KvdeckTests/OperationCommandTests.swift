import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck scale`, `rollout` and `canary` against `kvdeck demo --serve-only`, beside kubectl on the
/// same cluster where kubectl has the verb: same lines, same exit codes; plus the audit log,
/// `--read-only`, and the demo's HTTPRoute canary.
final class OperationCommandTests: XCTestCase {
    func testOperationVerbsOnTheDemo() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-ops-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true)
        defer { demo.stop() }
        let state = home.appendingPathComponent("state")
        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin", "XDG_STATE_HOME": state.path]
        func kvdeck(_ arguments: String...) throws -> CommandRun {
            try CommandRun.run(KvdeckBinary.path, arguments + ["-n", "llm-prod"], environment: environment)
        }
        func kubectl(_ arguments: String...) throws -> CommandRun? {
            guard let path = CommandRun.which("kubectl") else { return nil }
            return try CommandRun.run(path, arguments + ["-n", "llm-prod"], environment: environment)
        }

        let history = try kvdeck("rollout", "history", "deployment/smollm2")
        XCTAssertEqual(history.status, 0, history.stderr)
        if let theirs = try kubectl("rollout", "history", "deployment/smollm2") {
            XCTAssertEqual(history.stdout, theirs.stdout)
        }
        let wide = try kvdeck("rollout", "history", "deployment/smollm2", "-o", "wide")
        XCTAssertTrue(wide.stdout.contains("ghcr.io/kvdeck/kvdeck:0.1.0"), wide.stdout)

        let status = try kvdeck("rollout", "status", "deployment/smollm2", "--timeout=60s")
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertEqual(status.stdout.split(separator: "\n").last.map(String.init), "deployment \"smollm2\" successfully rolled out")

        let dryRun = try kvdeck("scale", "deployment/smollm2", "--replicas=4", "--dry-run=server")
        XCTAssertEqual(dryRun.stdout, "deployment.apps/smollm2 scaled (server dry run)\n", dryRun.stderr)

        let readOnly = try kvdeck("scale", "deployment/smollm2", "--replicas=4", "--read-only")
        XCTAssertEqual(readOnly.status, 1)
        XCTAssertEqual(readOnly.stderr, "error: read-only mode: refusing to scale deployment.apps/smollm2\n")

        let undo = try kvdeck("rollout", "undo", "deployment/smollm2", "--to-revision=1", "-o", "json")
        XCTAssertEqual(undo.status, 0, undo.stderr)
        let result = try JSONSerialization.jsonObject(with: Data(undo.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(result?["message"] as? String, "deployment.apps/smollm2 rolled back")
        let request = (result?["requests"] as? [[String: Any]])?.first
        XCTAssertEqual(request?["contentType"] as? String, "application/json-patch+json")

        let audit = try String(contentsOf: state.appendingPathComponent("kvdeck/audit.log"), encoding: .utf8)
        let lines = audit.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, audit)
        let entry = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        XCTAssertEqual(entry?["verb"] as? String, "rollout undo")
        XCTAssertEqual(entry?["object"] as? String, "deployment.apps/smollm2")
        XCTAssertEqual(entry?["result"] as? String, "success")
        XCTAssertEqual(entry?["context"] as? String, "kvdeck-local")

        let missing = try kvdeck("rollout", "undo", "deployment/smollm2", "--to-revision=99")
        XCTAssertEqual(missing.status, 1)
        if let theirs = try kubectl("rollout", "undo", "deployment/smollm2", "--to-revision=99") {
            XCTAssertEqual(missing.stderr, theirs.stderr)
            XCTAssertEqual(theirs.status, 1)
        }

        let canary = try kvdeck("canary", "status", "smollm2", "-o", "json")
        XCTAssertEqual(canary.status, 0, canary.stderr)
        let canaryState = try JSONSerialization.jsonObject(with: Data(canary.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(canaryState?["mechanism"] as? String, "gateway-api-httproute")
        XCTAssertEqual(canaryState?["canaryPercent"] as? Int, 10)
        let weight = try kvdeck("canary", "set-weight", "smollm2", "30")
        XCTAssertEqual(weight.status, 0, weight.stderr)
        if let route = try kubectl("get", "httproute", "smollm2", "-o", "jsonpath={.spec.rules[0].backendRefs[*].weight}") {
            XCTAssertEqual(route.stdout, "70 30", route.stderr)
        }
    }
}
