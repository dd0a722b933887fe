import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck demo --serve-only` as a user runs it: the binary starts the local cluster and prints
/// the kubeconfig; kubectl (the reference client) and `kvdeck get` then drive it over HTTPS.
final class DemoCommandTests: XCTestCase {
    /// The user's home for each test: the demo writes its kubeconfig under it.
    private var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let home { try? FileManager.default.removeItem(at: home) }
    }

    func testKubectlDrivesTheSeededLocalCluster() throws {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
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

    /// Kinds outside `kvdeck get`'s built-in list (claims, budgets, autoscalers, policies, routes)
    /// resolve through the server's discovery by the names kubectl takes, and print
    /// what kubectl prints; a name nothing serves is kubectl's one-line error and status 1.
    func testGetFindsEveryKindThroughDiscoveryAsKubectlDoes() throws {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let (demo, kubeconfig) = try ServedDemo.start(home: home, seed: true)
        defer { demo.stop() }
        let environment = ["KUBECONFIG": kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin"]
        let objects = home.appendingPathComponent("objects.yaml")
        try """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: weights, namespace: llm-prod}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 50Gi}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: smollm2, namespace: llm-prod}
        spec:
          minAvailable: 1
          selector: {matchLabels: {app: smollm2}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: smollm2, namespace: llm-prod}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: smollm2}
          minReplicas: 1
          maxReplicas: 4
          metrics:
          - type: Resource
            resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: smollm2, namespace: llm-prod}
        spec:
          podSelector: {matchLabels: {app: smollm2}}
          ingress: [{ports: [{port: 8000}]}]
        """.write(to: objects, atomically: true, encoding: .utf8)
        let applied = try CommandRun.run(kubectl, ["apply", "-f", objects.path], environment: environment)
        XCTAssertEqual(applied.status, 0, applied.stderr)

        /// The table without its AGE column, which differs when the two runs straddle a second.
        func withoutAge(_ table: String) -> String {
            let lines = table.split(separator: "\n").map(String.init)
            guard let header = lines.first, let age = header.range(of: "AGE") else { return table }
            let column = header.distance(from: header.startIndex, to: age.lowerBound)
            return lines.map { String($0.prefix(column)) }.joined(separator: "\n")
        }
        /// kvdeck and kubectl run with the same arguments. The controllers may update an object's
        /// status between the two runs: a few tries, so only a difference that persists (a
        /// format one) fails.
        func compare(_ arguments: [String], _ shown: (String) -> String = { $0 }) throws {
            var ours = try CommandRun.run(KvdeckBinary.path, arguments, environment: environment)
            var theirs = try CommandRun.run(kubectl, arguments, environment: environment)
            for _ in 0..<4 where shown(ours.stdout) != shown(theirs.stdout) {
                ours = try CommandRun.run(KvdeckBinary.path, arguments, environment: environment)
                theirs = try CommandRun.run(kubectl, arguments, environment: environment)
            }
            let name = arguments.joined(separator: " ")
            XCTAssertEqual(ours.status, 0, ours.stderr)
            XCTAssertEqual(ours.status, theirs.status, name)
            XCTAssertGreaterThan(ours.stdout.split(separator: "\n").count, arguments.contains("-o") ? 0 : 1, "\(name): a header and rows")
            XCTAssertEqual(shown(ours.stdout), shown(theirs.stdout), name)
        }
        for name in ["hpa", "horizontalpodautoscalers.autoscaling", "pvc", "persistentvolumeclaim", "pdb", "netpol", "httproutes"] {
            try compare(["get", name, "-n", "llm-prod"], withoutAge)
        }
        for arguments in [["get", "hpa", "-n", "llm-prod", "-o", "json"], ["get", "pdb", "smollm2", "-n", "llm-prod", "-o", "yaml"],
                          ["get", "netpol", "-A", "-o", "name"], ["get", "persistentvolumeclaims", "-n", "llm-prod", "-o", "name"]] {
            try compare(arguments)
        }
        XCTAssertTrue(try CommandRun.run(KvdeckBinary.path, ["get", "hpa", "-n", "llm-prod", "-o", "name"], environment: environment)
            .stdout == "horizontalpodautoscaler.autoscaling/smollm2\n")

        for unknown in ["nonsense", "pods.apps"] {
            let ours = try CommandRun.run(KvdeckBinary.path, ["get", unknown, "-n", "llm-prod"], environment: environment)
            let theirs = try CommandRun.run(kubectl, ["get", unknown, "-n", "llm-prod"], environment: environment)
            XCTAssertEqual(ours.status, 1)
            XCTAssertEqual(ours.stderr, theirs.stderr, "kubectl's line: the resource without its group")
            XCTAssertEqual(ours.stdout, "")
        }
    }
}
