import Foundation
import Kube
import LocalCluster
import LocalClusterTestSupport
import Operations
import XCTest

/// A test case on the demo seeded into an in-process local cluster whose controllers run with
/// short delays: the canary tests' starting state. It has no tests of its own.
class SeededDemoTestCase: XCTestCase {
    var api: LocalAPI!
    var controllers: ControllerManager!
    var client: KubeClient!

    override func setUp() async throws {
        let cluster = try await RunningLocalCluster.start(namespace: nil, recordedNodes: false, user: "kvdeck", resyncInterval: .seconds(1),
                                                          podStartDelay: .milliseconds(20), podTerminationDelay: .milliseconds(20), seedDemo: true)
        api = cluster.api
        controllers = cluster.manager
        client = cluster.client
    }

    override func tearDown() async throws {
        await controllers.stop()
    }

    var runner: OperationRunner { OperationRunner(client: client, settings: OperationSettings(checkAccess: false)) }
    var canary: CanaryOperations { CanaryOperations(client: client) }
}
