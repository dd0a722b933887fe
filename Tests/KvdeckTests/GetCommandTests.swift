import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck get` against a server that answers with responses recorded from a real kube-apiserver,
/// compared with what kubectl (the reference client) prints for the very same answers.
final class GetCommandTests: XCTestCase {
    private var server: ScriptServer!
    private var directory: URL!
    private var kubeconfig: String!

    override func setUpWithError() throws {
        let fixtures = SharedFixtures.realAPIServer.path
        server = try ScriptServer(script: "fixture_apiserver.py", arguments: ["--fixtures", fixtures, "--exit-with-stdin"])
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-get-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        kubeconfig = directory.appendingPathComponent("config").path
        try """
        apiVersion: v1
        kind: Config
        clusters:
        - name: recorded
          cluster:
            server: http://127.0.0.1:\(server.port)
        users:
        - name: anonymous
          user: {}
        contexts:
        - name: recorded
          context: {cluster: recorded, user: anonymous, namespace: fixtures}
        current-context: recorded
        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        server?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func kvdeck(_ arguments: [String]) throws -> CommandRun {
        try CommandRun.run(KvdeckBinary.path, arguments, environment: ["KUBECONFIG": kubeconfig, "PATH": "/usr/bin:/bin", "HOME": directory.path])
    }

    private func kubectl(_ arguments: [String]) throws -> CommandRun {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        return try CommandRun.run(kubectl, arguments, environment: ["KUBECONFIG": kubeconfig, "PATH": "/usr/bin:/bin", "HOME": directory.path])
    }

    func testTablesAreWhatTheServerRenderedLaidOutAsKubectlDoes() throws {
        let pods = try kvdeck(["get", "pods"])
        XCTAssertEqual(pods.status, 0, pods.stderr)
        let lines = pods.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "NAME                       READY   STATUS    RESTARTS   AGE")
        XCTAssertEqual(lines.count, 6, "a header and the five recorded pods")
        XCTAssertTrue(lines[1].hasPrefix("vllm-qwen-75c9f667-69p2g   1/1     Running   0          "), lines[1])

        let wide = try kvdeck(["get", "pods", "-o", "wide"])
        XCTAssertTrue(wide.stdout.hasPrefix("NAME "), wide.stdout)
        XCTAssertTrue(wide.stdout.contains("NOMINATED NODE   READINESS GATES\n"), "priority-1 columns appear with -o wide")
        XCTAssertTrue(wide.stdout.contains("gpu-node-c"))
        XCTAssertFalse(pods.stdout.contains("gpu-node-c"), "and not without it")
    }

    func testOutputMatchesKubectlByteForByte() throws {
        let cases: [[String]] = [
            ["get", "pods"], ["get", "pods", "-o", "wide"], ["get", "nodes"], ["get", "deployments"],
            ["get", "deploy", "vllm-qwen"], ["get", "events"], ["get", "pods", "-A"], ["get", "po", "-o", "name"],
            ["get", "pods", "-o", "json"], ["get", "nodes", "-o", "json"], ["get", "deploy", "vllm-qwen", "-o", "json"],
        ]
        for arguments in cases {
            let ours = try kvdeck(arguments)
            let theirs = try kubectl(arguments)
            XCTAssertEqual(ours.status, theirs.status, "exit status of \(arguments)")
            XCTAssertEqual(ours.stdout, theirs.stdout, "stdout of \(arguments.joined(separator: " "))")
        }
    }

    func testYAMLOutputReadsBackAsKubectlsObjects() throws {
        let ours = try kvdeck(["get", "deploy", "vllm-qwen", "-o", "yaml"])
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertTrue(ours.stdout.hasPrefix("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"), ours.stdout)
        XCTAssertFalse(ours.stdout.contains("managedFields"), "hidden by default, as kubectl hides them")
        let json = try kvdeck(["get", "deploy", "vllm-qwen", "-o", "json"])
        XCTAssertTrue(ours.stdout.contains("  replicas: 3\n"))
        XCTAssertTrue(json.stdout.contains("\"replicas\": 3"))
    }

    func testProblemsAreOneClearLineAndANonZeroStatus() throws {
        let unknown = try kvdeck(["get", "widgets"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "error: the server doesn't have a resource type \"widgets\"\n", "found in no group's discovery")

        let missing = try kvdeck(["get", "deployments", "no-such-deployment"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("Error from server (NotFound): "), missing.stderr)

        let noConfig = try CommandRun.run(KvdeckBinary.path, ["get", "pods", "--kubeconfig", directory.appendingPathComponent("absent").path],
                                          environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path])
        XCTAssertEqual(noConfig.status, 1)
        XCTAssertTrue(noConfig.stderr.hasPrefix("error: "), noConfig.stderr)
        XCTAssertTrue(noConfig.stderr.contains("absent"), "names the file: \(noConfig.stderr)")

        server.stop()
        let down = try kvdeck(["get", "pods"])
        XCTAssertEqual(down.status, 1)
        XCTAssertTrue(down.stderr.contains("cannot connect to 127.0.0.1"), down.stderr)
    }

    func testVersionShowsClientAndServer() throws {
        let run = try kvdeck(["version"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "Client Version: kvdeck 0.1.0\nServer Version: v1.36.2\n")
    }
}
