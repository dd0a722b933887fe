@testable import Console
import Foundation
import Kube
import LocalCluster
import LocalClusterTestSupport
import Operations
import Terminal
import XCTest
import YAML

/// The console on the local cluster in process: the demo's objects (smollm2 with three revisions,
/// its canary and the HTTPRoute splitting them), the controllers, the informers the console
/// watches with, and `InFlightOperations` sending the session's operations through the same
/// client. `pump()` is one turn of the runner's loop, waited out.
@MainActor
final class LocalClusterConsole {
    let api: LocalAPI
    let controllers: ControllerManager
    let client: KubeClient
    let feed: ClusterFeed
    let session: ConsoleSession
    let operations: InFlightOperations
    let auditLog: AuditLog

    /// - Parameter front: what the client talks to in front of the API (to answer access reviews).
    static func start(front: ((LocalAPI) -> any APIRequestHandler)? = nil) async throws -> LocalClusterConsole {
        let cluster = try await RunningLocalCluster.start(namespace: nil, recordedNodes: false, user: "seed", resyncInterval: .seconds(1),
                                                          podStartDelay: .milliseconds(20), podTerminationDelay: .milliseconds(20), seedDemo: true)
        let client = cluster.client(user: "kvdeck", handler: front?(cluster.api))
        return LocalClusterConsole(api: cluster.api, controllers: cluster.manager, client: client)
    }

    private init(api: LocalAPI, controllers: ControllerManager, client: KubeClient) {
        self.api = api
        self.controllers = controllers
        self.client = client
        feed = ClusterFeed(client: client, namespace: DemoSeed.namespace)
        let session = ConsoleSession(connection: ConnectionSummary(context: "local", cluster: "kvdeck-local", user: "kvdeck",
                                                                   namespace: DemoSeed.namespace), version: "test")
        session.accessProbeDelay = 0
        self.session = session
        auditLog = AuditLog(url: FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-console-audit-\(UUID().uuidString).log"))
        operations = InFlightOperations(client: client, auditLog: auditLog, deliver: { session.receive($0) })
    }

    func stop() async {
        operations.cancelAll()
        await feed.stop()
        await controllers.stop()
        try? FileManager.default.removeItem(at: auditLog.url)
    }

    var state: ClusterState { feed.state }

    /// Renders a frame (screens build their rows when drawn, as on the terminal).
    @discardableResult
    func frame(width: Int = 140, height: Int = 40) -> CellBuffer {
        session.render(state, width: width, height: height, theme: .standard, glyphs: .unicode)
    }

    func type(_ text: String) { session.type(text, state: state) }
    func type(_ keys: [Key]) { session.type(keys, state: state) }

    /// One turn of the runner: a frame, the session's requests started, their answers awaited,
    /// until nothing more is asked for.
    func pump() async {
        for _ in 0..<10 {
            frame()
            let requests = session.takeOperationRequests(state: state)
            if requests.isEmpty && !operations.isBusy { return }
            for request in requests { operations.start(request) }
            await operations.idle()
        }
    }

    /// Waits until the watched state satisfies `condition` (the informers deliver on the main actor).
    func waitFor(_ what: String, timeout: Double = 20, _ condition: (ClusterState) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(state) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("timed out waiting for \(what)")
        throw CancellationError()
    }

    /// Moves the workloads (or pods) table's cursor onto the row whose NAME cell is `name`.
    func select(_ name: String) throws {
        frame()
        guard let screen = session.top as? any TableScreen else { throw CancellationError() }
        let nameColumn = try XCTUnwrap(screen.table.columns.firstIndex { $0.title == "NAME" })
        let index = try XCTUnwrap(screen.table.order.firstIndex { screen.table.rows[$0][nameColumn].text == name },
                                  "no row \(name)")
        type("g")
        for _ in 0..<index { type("j") }
    }

    /// The text inside the dialog's box, one line per row, without the borders.
    func dialogText(width: Int = 140, height: Int = 40) -> String {
        let f = frame(width: width, height: height)
        return (0..<f.height).map(f.line).filter { $0.contains("│") }.map { line -> String in
            guard let first = line.firstIndex(of: "│"), let last = line.lastIndex(of: "│"), first < last else { return "" }
            return String(line[line.index(after: first)..<last]).trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
