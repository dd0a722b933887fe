import Foundation
import Kube
import LocalCluster
import LocalClusterTestSupport
@testable import Operations
import XCTest
import YAML

/// `rollout status` on a live rollout of the demo: kubectl's lines while it waits, then done;
/// a timeout is kubectl's error; `--watch=false` answers at once.
final class RolloutStatusWatchTests: XCTestCase {
    func testStatusFollowsARestartToTheEnd() async throws {
        let cluster = try await RunningLocalCluster.start(namespace: nil, recordedNodes: false, user: "kvdeck", resyncInterval: .seconds(1),
                                                          podStartDelay: .milliseconds(200), podTerminationDelay: .milliseconds(50), seedDemo: true)
        let controllers = cluster.manager, client = cluster.client
        let ref = WorkloadRef(kind: .deployment, name: "smollm2", namespace: DemoSeed.namespace)
        let runner = OperationRunner(client: client, settings: OperationSettings(checkAccess: false))
        _ = try await runner.execute(try await RestartOperation(client: client).prepare(ref))

        final class Lines: @unchecked Sendable {
            var items: [String] = []
            let lock = NSLock()
            func add(_ line: String) { lock.lock(); items.append(line); lock.unlock() }
        }
        let lines = Lines()
        let report = try await RolloutStatusWatch(client: client).run(ref, timeout: .seconds(30)) { lines.add($0.message) }
        XCTAssertTrue(report.done)
        XCTAssertEqual(lines.items.last, "deployment \"smollm2\" successfully rolled out")
        XCTAssertTrue(lines.items.dropLast().allSatisfy { $0.hasPrefix("Waiting for deployment") }, "\(lines.items)")

        // Paused mid-rollout: the watch cannot finish, and the timeout is kubectl's error.
        _ = try await runner.execute(try await PauseOperation(client: client).prepare(ref, pause: true))
        let touch: JSONValue = ["spec": ["template": ["metadata": ["annotations": ["kvdeck.test/touched": "yes"]]]]]
        _ = try await client.patch(Deployment.resourceType, name: "smollm2", patch: touch.jsonData(), type: .strategicMerge)
        do {
            _ = try await RolloutStatusWatch(client: client).run(ref, timeout: .milliseconds(500)) { _ in }
            XCTFail("a paused rollout finished")
        } catch let error as OperationError {
            XCTAssertEqual(error, .timedOut)
        }
        let once = try await RolloutStatusWatch(client: client).run(ref, watch: false) { _ in }
        XCTAssertFalse(once.done)
        await controllers.stop()
    }
}
