@testable import Deploy
import Operations
import XCTest
import YAML

/// The diff, the secret masking and the rollout rules, on objects written here.
final class DeployPartsTests: XCTestCase {
    func testUnifiedDiffShowsChangedLinesWithContext() {
        let old = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n")
        XCTAssertEqual(LineDiff.unified(old, new, oldName: "a", newName: "b"), """
        --- a
        +++ b
        @@ -2,7 +2,7 @@
         line 2
         line 3
         line 4
        -line 5
        +line five
         line 6
         line 7
         line 8

        """)
        XCTAssertEqual(LineDiff.unified(old, old, oldName: "a", newName: "b"), "")
        XCTAssertTrue(LineDiff.unified("", "x\n", oldName: "/dev/null", newName: "b").contains("@@ -0,0 +1,1 @@\n+x\n"))
    }

    func testChangesIgnoreServerBookkeepingAndMaskSecrets() {
        let live: JSONValue = ["kind": "Secret", "metadata": ["name": "t", "resourceVersion": "5", "managedFields": []],
                               "data": ["HF_TOKEN": "b2xk", "SAME": "eA=="]]
        var proposed = live
        proposed["metadata"]?["resourceVersion"] = "6"
        XCTAssertEqual(ObjectChange(reference: "secret/t", live: live, proposed: proposed).action, .none)
        proposed["data"]?["HF_TOKEN"] = "bmV3"
        let change = ObjectChange(reference: "secret/t", live: live, proposed: proposed)
        XCTAssertEqual(change.action, .update)
        XCTAssertFalse(change.diff.contains("b2xk") || change.diff.contains("bmV3"), change.diff)
        XCTAssertTrue(change.diff.contains("-  HF_TOKEN: '*** (before)'") || change.diff.contains("-  HF_TOKEN: \"*** (before)\""), change.diff)
        XCTAssertTrue(change.diff.contains("SAME: '***'") || change.diff.contains("SAME: \"***\""), change.diff)
        XCTAssertEqual(ObjectChange(reference: "secret/t", live: nil, proposed: proposed).action, .create)
    }

    func testDeploymentRolloutFollowsKubectlsOrder() throws {
        func deployment(generation: Int64 = 2, observed: Int64 = 2, spec: Int64 = 2, replicas: Int64 = 2, updated: Int64 = 2,
                        available: Int64 = 2, deadline: Bool = false) -> JSONValue {
            var status: JSONValue = ["observedGeneration": .int(observed), "replicas": .int(replicas),
                                     "updatedReplicas": .int(updated), "availableReplicas": .int(available)]
            if deadline { status["conditions"] = [["type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"]] }
            return ["kind": "Deployment", "metadata": ["name": "vllm", "generation": .int(generation)],
                    "spec": ["replicas": .int(spec)], "status": status]
        }
        XCTAssertEqual(try RolloutStatus.of(deployment(generation: 3))?.message, "Waiting for deployment spec update to be observed...")
        XCTAssertEqual(try RolloutStatus.of(deployment(updated: 1))?.message,
                       "Waiting for deployment \"vllm\" rollout to finish: 1 out of 2 new replicas have been updated...")
        XCTAssertEqual(try RolloutStatus.of(deployment(replicas: 3))?.message,
                       "Waiting for deployment \"vllm\" rollout to finish: 1 old replicas are pending termination...")
        XCTAssertEqual(try RolloutStatus.of(deployment(available: 1))?.message,
                       "Waiting for deployment \"vllm\" rollout to finish: 1 of 2 updated replicas are available...")
        XCTAssertEqual(try RolloutStatus.of(deployment()), RolloutStatus(message: "deployment \"vllm\" successfully rolled out", done: true))
        XCTAssertThrowsError(try RolloutStatus.of(deployment(updated: 1, deadline: true))) {
            XCTAssertEqual("\($0)", "deployment \"vllm\" exceeded its progress deadline")
        }
        XCTAssertNil(try RolloutStatus.of(["kind": "Service"]))
    }
}
