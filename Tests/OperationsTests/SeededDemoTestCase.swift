import Foundation
import Kube
import LocalCluster
import Operations
import XCTest

/// A test case on the demo seeded into an in-process local cluster whose controllers run with
/// short delays: the canary tests' starting state. It has no tests of its own.
class SeededDemoTestCase: XCTestCase {
    var api: LocalAPI!
    var controllers: ControllerManager!
    var client: KubeClient!

    override func setUp() async throws {
        api = LocalAPI()
        controllers = ControllerManager(api: api, configuration: ControllerConfiguration(
            podStartDelay: .milliseconds(20), podTerminationDelay: .milliseconds(20), resyncInterval: .seconds(1),
            coalesceInterval: .milliseconds(5)))
        await controllers.start()
        client = KubeClient(connection: ClusterConnection(server: URL(string: "https://local.invalid")!, transport: TransportOptions(),
                                                          credentials: NoCredentials(), namespace: DemoSeed.namespace),
                            transport: InProcessTransport(handler: api, user: "kvdeck"))
        try await DemoSeed.apply(using: client)
    }

    override func tearDown() async throws {
        await controllers.stop()
    }

    var runner: OperationRunner { OperationRunner(client: client, settings: OperationSettings(checkAccess: false)) }
    var canary: CanaryOperations { CanaryOperations(client: client) }
}
