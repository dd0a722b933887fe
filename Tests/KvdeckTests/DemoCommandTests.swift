import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck demo --serve-only` as a user runs it: the binary starts the local cluster and prints
/// the kubeconfig; kubectl (the reference client) and `kvdeck get` then drive it over HTTPS.
final class DemoCommandTests: XCTestCase {
    func testKubectlDrivesTheSeededLocalCluster() throws {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }

        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true)
        defer { demo.stop() }
        XCTAssertTrue(kubeconfig.hasPrefix(home.path), "written under the user's state directory")
        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin"]

        let deployments = try CommandRun.run(kubectl, ["get", "deployments", "-n", "llm-prod"], environment: environment)
        XCTAssertEqual(deployments.status, 0, deployments.stderr)
        let lines = deployments.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "NAME             READY   UP-TO-DATE   AVAILABLE   AGE")
        XCTAssertTrue(lines.contains { $0.hasPrefix("smollm2          ") }, deployments.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("smollm2-canary   ") }, deployments.stdout)

        let history = try CommandRun.run(kubectl, ["rollout", "history", "deployment/smollm2", "-n", "llm-prod"], environment: environment)
        XCTAssertEqual(history.status, 0, history.stderr)
        XCTAssertTrue(history.stdout.contains("3         tune: --max-num-seqs 128 for the evening peak"), history.stdout)

        let nodes = try CommandRun.run(kubectl, ["get", "nodes", "-o", "name"], environment: environment)
        XCTAssertEqual(nodes.stdout, "node/gpu-node-a\nnode/gpu-node-b\nnode/gpu-node-c\n")

        // kvdeck's own client over the same HTTPS and token prints what kubectl prints (JSON: the
        // table's AGE column would differ when the two runs straddle a second).
        let ours = try CommandRun.run(KvdeckBinary.path, ["get", "nodes", "-o", "json"], environment: environment)
        let theirs = try CommandRun.run(kubectl, ["get", "nodes", "-o", "json"], environment: environment)
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertEqual(ours.stdout, theirs.stdout)

        demo.interrupt()
        let deadline = Date().addingTimeInterval(15)
        while demo.isRunning, Date() < deadline { usleep(50_000) }
        XCTAssertFalse(demo.isRunning, "Ctrl-C stops the demo")
        XCTAssertEqual(demo.terminationStatus, 0)
    }
}
