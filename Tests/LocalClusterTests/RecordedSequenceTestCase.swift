import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import LocalClusterTestSupport
import XCTest
import YAML

/// The base of the tests that replay a recorded sequence: a running local cluster per test and
/// the recorded snapshots of one fixture folder (`folder`, set by each subclass).
class RecordedSequenceTestCase: XCTestCase {
    class var folder: URL { SharedFixtures.realAPIServer }

    var api: LocalAPI!
    var manager: ControllerManager!
    var client: KubeClient!

    override func setUp() async throws {
        let cluster = try await RunningLocalCluster.start()
        api = cluster.api
        client = cluster.client
        manager = cluster.manager
    }

    override func tearDown() async throws {
        await manager.stop()
    }

    func recorded(_ name: String) throws -> JSONValue {
        try JSONValue(json: Data(contentsOf: Self.folder.appendingPathComponent(name)))
    }

    struct MissingRecording: Error, CustomStringConvertible {
        var description: String
    }

    /// The PATCH kubectl sent in a recorded capture (body, content type, fieldManager), to send again unchanged.
    func recordedPatch(_ capture: String) throws -> (body: Data, type: PatchType, fieldManager: String?) {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("\(capture).kubectl-requests.jsonl"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let request = try JSONValue(json: Data(line.utf8))
            guard request["method"]?.stringValue == "PATCH" else { continue }
            let type: PatchType = switch request["contentType"]?.stringValue {
            case "application/merge-patch+json": .merge
            case "application/json-patch+json": .json
            default: .strategicMerge
            }
            let manager = URLComponents(string: request["url"]?.stringValue ?? "")?.queryItems?.first { $0.name == "fieldManager" }?.value
            return (Data((request["body"]?.stringValue ?? "").utf8), type, manager)
        }
        throw MissingRecording(description: "no PATCH in \(capture)")
    }
}
