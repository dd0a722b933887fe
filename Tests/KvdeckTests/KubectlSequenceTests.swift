import Foundation
import KvdeckTestSupport
import XCTest

/// kubectl 1.32 drives `kvdeck demo --serve-only --no-seed` through the recorded rollout sequence
/// (`real-apiserver/02-deployment-rollout`): the same command lines in the same order, each compared
/// with what kubectl printed against the real v1.36 control plane (`*.kubectl-output.txt`), and the
/// Deployment and its ReplicaSets after each step compared with the recorded snapshots (revisions,
/// annotations, ReplicaSet names, generations, replica counts, conditions).
///
/// What cannot match byte for byte, and how it is compared:
/// - `rollout status` prints one "Waiting for ..." line per watch event that finds the rollout
///   unfinished; how many depends on timing. The final line must match; the others must be among
///   the messages kubectl prints while waiting.
/// - pod-template-hashes: the local controller hashes the template's canonical JSON, the real one
///   Go's printed struct, so the values differ (and `rollout restart` stamps the time anyway). Each
///   recorded hash is replaced by ours for the ReplicaSet with the same template (image, restarted
///   or not); names, revisions and reuse of ReplicaSets must then match.
/// - Snapshots taken mid-rollout (03, 04) are compared only in what the command decided
///   (annotations, generation, ReplicaSet names and revisions), not in replica counts.
final class KubectlSequenceTests: XCTestCase {
    static let namespace = "fixtures"

    func testRecordedRolloutSequenceMatchesTheRealControlPlane() throws {
        guard let kubectl = CommandRun.which("kubectl") else { throw XCTSkip("kubectl is not installed") }
        let recorded = SharedFixtures.realAPIServer
        let rollout = recorded.appendingPathComponent("02-deployment-rollout")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-kubectl-seq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }

        let demo = try ServedDemo.start(home: home, seed: false)
        defer { demo.process.stop() }
        let cluster = Cluster(kubectl: kubectl, environment: ["KUBECONFIG": demo.kubeconfig, "HOME": home.path, "PATH": "/usr/bin:/bin"],
                              directory: recorded)

        // The three fake GPU nodes (status included) the recording ran on; the namespace is step 00.
        try cluster.createNodes(from: recorded.appendingPathComponent("09-nodes-events/nodes.json"), scratch: home)
        let nodes = try cluster.get(["nodes"])
        let gpus = (nodes["items"] as? [[String: Any]] ?? []).map {
            (($0["status"] as? [String: Any])?["allocatable"] as? [String: String])?["nvidia.com/gpu"] ?? "-"
        }
        XCTAssertEqual(gpus, ["8", "8", "8"], "the nodes keep their GPU status")

        let ns = ["-n", Self.namespace]
        let deploy = "deployment/vllm-qwen"
        let change = "kubernetes.io/change-cause=kubectl set image deployment/vllm-qwen vllm=vllm/vllm-openai:v0.6.4 --namespace=fixtures --record=true"
        let status = ["rollout", "status", deploy] + ns + ["--timeout=60s"]
        let history = ["rollout", "history", deploy] + ns
        let steps: [Step] = [
            Step("00-create-namespace", ["create", "namespace", Self.namespace]),
            Step("01-create", ["create", "-f", "./02-deployment-rollout/vllm-qwen.deployment.yaml"], snapshot: "01-after-create", .decisions),
            Step("02-rollout-status", status, snapshot: "02-after-rollout-complete", .settled),
            Step("03-set-image", ["set", "image", deploy] + ns + ["vllm=vllm/vllm-openai:v0.6.4"], snapshot: "03-after-set-image", .decisions),
            Step("04-annotate-change-cause", ["annotate", deploy] + ns + ["--overwrite", change], snapshot: "04-after-annotate-change-cause", .decisions),
            Step("05-rollout-status", status, snapshot: "05-after-rollout-complete", .settled),
            Step("05-rollout-history", history),
            Step("06-rollout-undo", ["rollout", "undo", deploy] + ns, snapshot: "06-after-rollout-undo", .decisions),
            Step("06-rollout-status", status, snapshot: "06-after-rollout-undo", .settled),
            Step("06-rollout-history", history),
            Step("07-rollout-undo-to-revision-2", ["rollout", "undo", deploy] + ns + ["--to-revision=2"],
                 snapshot: "07-after-rollout-undo-to-revision-2", .decisions),
            Step("07-rollout-status", status, snapshot: "07-after-rollout-undo-to-revision-2", .settled),
            Step("07-rollout-history", history),
            Step("07-rollout-history-revision-4", history + ["--revision=4"]),
            Step("08-scale", ["scale", deploy] + ns + ["--replicas=3"], snapshot: "08-after-scale", .decisions),
            Step("08-rollout-status", status, snapshot: "08-after-scale", .settled),
            Step("09-rollout-restart", ["rollout", "restart", deploy] + ns, snapshot: "09-after-rollout-restart", .decisions),
            Step("09-rollout-status", status, snapshot: "09-after-rollout-restart", .settled),
            Step("10-rollout-pause", ["rollout", "pause", deploy] + ns, snapshot: "10-after-rollout-pause", .settled),
            Step("11-rollout-undo-while-paused", ["rollout", "undo", deploy] + ns, snapshot: "11-after-undo-while-paused", .settled),
            Step("12-rollout-resume", ["rollout", "resume", deploy] + ns, snapshot: "12-after-rollout-resume", .decisions),
            Step("12-rollout-status", status, snapshot: "12-after-rollout-resume", .settled),
            Step("12-rollout-history", history),
        ]

        // Every ReplicaSet the recording made (the last snapshot holds all three), to map its
        // pod-template-hash to ours: the local controller hashes canonical JSON, the real one Go's
        // printed struct, so the values differ by design (ControllerSupport's PodTemplateHash).
        let recordedSets = try Cluster.load(rollout.appendingPathComponent("12-after-rollout-resume.replicasets.json").path)["items"]
            as? [[String: Any]] ?? []
        for step in steps {
            let expected = try RecordedOutput(contentsOf: rollout.appendingPathComponent("\(step.capture).kubectl-output.txt"))
            XCTAssertEqual("kubectl " + step.arguments.joined(separator: " ") + " -v=9", expected.commandLine,
                           "\(step.capture): the recorded command line")
            let run = try cluster.kubectl(step.arguments)
            let hashes = Snapshot.hashMap(recorded: recordedSets, actual: try cluster.replicaSets())
            let want = hashes.reduce(expected.output) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
            XCTAssertEqual(run.status, expected.exitStatus, "\(step.capture): exit status; stderr: \(run.stderr)")
            if step.arguments.starts(with: ["rollout", "status"]) {
                Self.assertRolloutStatus(run, matches: want, step: step.capture)
            } else {
                XCTAssertEqual(run.stdout + run.stderr, want, "\(step.capture): kubectl's output")
            }
            if let snapshot = step.snapshot {
                let problems = try cluster.compare(with: rollout.appendingPathComponent(snapshot), depth: step.depth)
                XCTAssertEqual(problems, [], "\(step.capture): state against \(snapshot)")
            }
        }

        // Every pod belongs to one of the ReplicaSets by name: RS name, dash, five random characters.
        let replicaSets = try cluster.replicaSets().compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        for pod in try cluster.get(["pods"] + ns)["items"] as? [[String: Any]] ?? [] {
            let name = (pod["metadata"] as? [String: Any])?["name"] as? String ?? ""
            let owner = String(name.dropLast(6))
            XCTAssertTrue(replicaSets.contains(owner) && name.dropFirst(owner.count).allSatisfy { "-bcdfghjklmnpqrstvwxz2456789".contains($0) },
                          "pod \(name) is named after its ReplicaSet")
        }
    }

    // MARK: - Steps

    enum Depth {
        /// What the command decided: annotations, generation, paused, ReplicaSet names, revisions and annotations.
        case decisions
        /// Also the settled state: replica counts and conditions (after `rollout status` or when nothing moves).
        case settled
    }

    struct Step {
        let capture: String
        let arguments: [String]
        let snapshot: String?
        let depth: Depth

        init(_ capture: String, _ arguments: [String], snapshot: String? = nil, _ depth: Depth = .decisions) {
            self.capture = capture
            self.arguments = arguments
            self.snapshot = snapshot
            self.depth = depth
        }
    }

    /// `NAME.kubectl-output.txt`: `$ kubectl ARGS`, what kubectl printed, `(exit status N)`.
    struct RecordedOutput {
        let commandLine: String
        let output: String
        let exitStatus: Int32

        init(contentsOf url: URL) throws {
            let text = try String(contentsOf: url, encoding: .utf8)
            guard let firstBreak = text.firstIndex(of: "\n"), text.hasPrefix("$ "),
                  let statusRange = text.range(of: "(exit status ", options: .backwards),
                  let status = Int32(text[statusRange.upperBound...].prefix { $0.isNumber }) else {
                throw LayoutError(file: url.lastPathComponent)
            }
            commandLine = String(text[text.index(text.startIndex, offsetBy: 2)..<firstBreak])
            output = String(text[text.index(after: firstBreak)..<statusRange.lowerBound])
            exitStatus = status
        }
    }

    struct LayoutError: Error { let file: String }

    /// The last line exactly; the lines before it are kubectl's progress messages, as many as the
    /// watch events that found the rollout unfinished.
    static func assertRolloutStatus(_ run: CommandRun, matches expected: String, step: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        let lines = (run.stdout + run.stderr).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let wanted = expected.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.last, wanted.last, "\(step): final line; all: \(lines)", file: file, line: line)
        guard let progress = try? NSRegularExpression(pattern: #"^Waiting for deployment "vllm-qwen" rollout to finish: "#
            + #"(\d+ out of \d+ new replicas have been updated|\d+ old replicas are pending termination|\d+ of \d+ updated replicas are available)\.\.\.$"#) else { return XCTFail("pattern") }
        for text in lines.dropLast() {
            XCTAssertNotNil(progress.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                            "\(step): not a progress line kubectl prints: \(text)", file: file, line: line)
        }
    }

    // MARK: - The cluster, through kubectl

    struct Cluster {
        let kubectl: String
        let environment: [String: String]
        /// kubectl runs here, so the recorded relative manifest path works as recorded.
        let directory: URL

        func kubectl(_ arguments: [String]) throws -> CommandRun {
            try CommandRun.run(kubectl, arguments, environment: environment, directory: directory)
        }

        func get(_ arguments: [String]) throws -> [String: Any] {
            let run = try kubectl(["get"] + arguments + ["-o", "json"])
            guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
                XCTFail("kubectl get \(arguments): \(run.stderr)")
                return [:]
            }
            return object
        }

        /// The recorded NodeList with only what a create may carry: name, labels, annotations, spec, status.
        func createNodes(from recorded: URL, scratch: URL) throws {
            let list = try JSONSerialization.jsonObject(with: Data(contentsOf: recorded)) as? [String: Any] ?? [:]
            let items: [[String: Any]] = (list["items"] as? [[String: Any]] ?? []).map { node in
                let metadata = node["metadata"] as? [String: Any] ?? [:]
                return ["apiVersion": "v1", "kind": "Node",
                        "metadata": metadata.filter { ["name", "labels", "annotations"].contains($0.key) },
                        "spec": node["spec"] ?? [:], "status": node["status"] ?? [:]]
            }
            // One document per node, not a v1 List: kubectl validates a List on the client, against /openapi/v2.
            let file = scratch.appendingPathComponent("nodes.yaml")
            var stream = Data()
            for item in items {
                stream.append(Data("---\n".utf8))
                stream.append(try JSONSerialization.data(withJSONObject: item, options: [.withoutEscapingSlashes]))
                stream.append(Data("\n".utf8))
            }
            try stream.write(to: file)
            let run = try kubectl(["create", "-f", file.path])
            XCTAssertEqual(run.status, 0, run.stderr)
        }

        func replicaSets() throws -> [[String: Any]] {
            try get(["replicasets", "-n", KubectlSequenceTests.namespace,
                     "-l", "app.kubernetes.io/name=vllm,app.kubernetes.io/instance=vllm-qwen"])["items"] as? [[String: Any]] ?? []
        }

        /// Differences from the recorded snapshot; polls (bounded) until there are none, since the
        /// controllers act after kubectl returns.
        func compare(with recorded: URL, depth: Depth) throws -> [String] {
            let want = try Snapshot(deployment: Self.load(recorded.path + ".deployment.json"),
                                    replicaSets: Self.load(recorded.path + ".replicasets.json")["items"] as? [[String: Any]] ?? [])
            let deadline = Date().addingTimeInterval(8)
            var problems: [String] = []
            repeat {
                let deployment = try get(["deployment", "vllm-qwen", "-n", KubectlSequenceTests.namespace])
                let have = Snapshot(deployment: deployment, replicaSets: try replicaSets())
                problems = want.differences(from: have, depth: depth, hashes: Snapshot.hashMap(recorded: want.replicaSets, actual: have.replicaSets))
                if problems.isEmpty { break }
                usleep(200_000)
            } while Date() < deadline
            return problems
        }

        static func load(_ path: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        }
    }

    /// The parts of a Deployment and its ReplicaSets that the sequence must reproduce.
    struct Snapshot {
        let deployment: [String: Any]
        let replicaSets: [[String: Any]]

        static func annotations(_ object: [String: Any]) -> [String: String] {
            (object["metadata"] as? [String: Any])?["annotations"] as? [String: String] ?? [:]
        }

        func lines(depth: Depth) -> [String] {
            let metadata = deployment["metadata"] as? [String: Any] ?? [:]
            let spec = deployment["spec"] as? [String: Any] ?? [:]
            let status = deployment["status"] as? [String: Any] ?? [:]
            var out = ["deployment annotations \(Self.annotations(deployment).sorted { $0.key < $1.key })",
                       "paused \(spec["paused"] ?? "-")",
                       "template image \(Self.image(spec))"]
            if depth == .settled {
                // Generations are not compared with the recording: the real server also bumps a
                // Deployment's generation when its annotations change (`kubectl annotate`, step 04),
                // the local one only for spec changes, so every later number is one lower.
                out.append("observed \((status["observedGeneration"] as? Int) == (metadata["generation"] as? Int))")
                for key in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"] {
                    out.append("status.\(key) \(status[key] ?? "-")")
                }
                for condition in status["conditions"] as? [[String: Any]] ?? [] {
                    out.append("condition \(condition["type"] ?? "") \(condition["status"] ?? "") \(condition["reason"] ?? ""): \(condition["message"] ?? "")")
                }
            }
            let sets = replicaSets.sorted { Self.name($0) < Self.name($1) }
            for rs in sets {
                var line = "replicaset \(Self.name(rs)) \(Self.annotations(rs).sorted { $0.key < $1.key }) image \(Self.image(rs["spec"] as? [String: Any] ?? [:]))"
                if depth == .settled { line += " replicas \((rs["spec"] as? [String: Any])?["replicas"] ?? "-")" }
                out.append(line)
            }
            return out
        }

        func differences(from actual: Snapshot, depth: Depth, hashes: [String: String]) -> [String] {
            let want = lines(depth: depth).map { line in hashes.reduce(line) { $0.replacingOccurrences(of: $1.key, with: $1.value) } }
            let have = actual.lines(depth: depth)
            // ReplicaSets are listed by name, and our pod-template hashes (hence names) differ from the
            // real ones, so their order is not compared; everything else keeps its order (conditions).
            let ordered = { (lines: [String]) in lines.filter { !$0.hasPrefix("replicaset ") } }
            return want.filter { !have.contains($0) }.map { "want: \($0)" } + have.filter { !want.contains($0) }.map { "have: \($0)" }
                + (ordered(want).filter(have.contains) == ordered(have).filter(want.contains) ? [] : ["order differs: want \(want), have \(have)"])
        }

        /// Recorded pod-template-hash to ours, pairing ReplicaSets by what their template is: the
        /// image, and whether `rollout restart` stamped it.
        static func hashMap(recorded: [[String: Any]], actual: [[String: Any]]) -> [String: String] {
            func identity(_ rs: [String: Any]) -> String {
                let template = (rs["spec"] as? [String: Any])?["template"] as? [String: Any]
                let annotations = (template?["metadata"] as? [String: Any])?["annotations"] as? [String: String] ?? [:]
                return image(rs["spec"] as? [String: Any] ?? [:]) + (annotations["kubectl.kubernetes.io/restartedAt"] == nil ? "" : " restarted")
            }
            func hash(_ rs: [String: Any]) -> String {
                ((rs["metadata"] as? [String: Any])?["labels"] as? [String: String])?["pod-template-hash"] ?? ""
            }
            var map: [String: String] = [:]
            for rs in recorded {
                if let ours = actual.first(where: { identity($0) == identity(rs) }), !hash(rs).isEmpty { map[hash(rs)] = hash(ours) }
            }
            return map
        }

        static func name(_ object: [String: Any]) -> String {
            (object["metadata"] as? [String: Any])?["name"] as? String ?? ""
        }

        static func image(_ spec: [String: Any]) -> String {
            let template = spec["template"] as? [String: Any]
            let containers = (template?["spec"] as? [String: Any])?["containers"] as? [[String: Any]]
            return containers?.compactMap { $0["image"] as? String }.joined(separator: ",") ?? "-"
        }
    }
}
