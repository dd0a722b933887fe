@testable import Console
import Foundation
import Kube
import XCTest

/// `:ns` and `:ctx` as the runner carries them out: a new feed for the namespace with the same
/// client, a new client from the kubeconfig for the context. The servers are unreachable on
/// purpose: switching never waits on the network, the informers connect in the background.
final class ConnectionSwitchTests: XCTestCase {
    private func kubeconfig() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-ctx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("config")
        try """
        apiVersion: v1
        kind: Config
        current-context: east
        clusters:
        - name: gpu-east
          cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
        - name: gpu-west
          cluster: {server: "https://127.0.0.1:2", insecure-skip-tls-verify: true}
        users:
        - name: ops
          user: {token: not-a-real-token}
        - name: viewer
          user: {token: not-a-real-token-either}
        contexts:
        - name: east
          context: {cluster: gpu-east, user: ops, namespace: llm-prod}
        - name: west
          context: {cluster: gpu-west, user: viewer}
        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @MainActor func testNamespaceAndContextSwitchesWithoutRestart() async throws {
        let file = try kubeconfig()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let connector = KubeconfigConnector(overrides: KubeconfigOverrides(kubeconfigPath: file.path), environment: [:], terminal: nil)
        XCTAssertEqual(connector.contextNames, ["east", "west"])
        let (client, summary) = try connector.open(context: "east", namespace: nil)
        let session = ConsoleSession(connection: summary, version: "test")
        session.contextNames = connector.contextNames
        var feed: ClusterFeed? = ClusterFeed(client: client, namespace: nil)
        let state = ClusterState()

        session.type(":ns llm-prod", state: state)
        session.type([.enter], state: state)
        let nsRequest = try XCTUnwrap(session.takeRequest())
        feed = await ConsoleRunner.switchConnection(nsRequest, feed: feed, session: session, connector: connector)
        XCTAssertEqual(feed?.namespace, "llm-prod")
        XCTAssertTrue(feed?.client === client, ":ns keeps the client")
        XCTAssertEqual(session.connection?.namespace, "llm-prod")

        session.type(":ctx west", state: state)
        session.type([.enter], state: state)
        let ctxRequest = try XCTUnwrap(session.takeRequest())
        feed = await ConsoleRunner.switchConnection(ctxRequest, feed: feed, session: session, connector: connector)
        XCTAssertFalse(feed?.client === client, ":ctx makes a new client")
        XCTAssertEqual(feed?.client.connection.server.absoluteString, "https://127.0.0.1:2")
        let c = try XCTUnwrap(session.connection)
        XCTAssertEqual([c.context, c.cluster, c.user, c.namespace], ["west", "gpu-west", "viewer", "llm-prod"],
                       "the new context's cluster and user; the namespace chosen stays")
        XCTAssertTrue(session.top is WorkloadsScreen, "a new context starts from the workloads")
        let frame = session.render(feed?.state ?? state, width: 120, height: 24, theme: .standard, glyphs: .unicode)
        XCTAssertTrue(frame.line(0).contains("ctx: west  cluster: gpu-west  user: viewer  ns: llm-prod"), frame.line(0))
        await feed?.stop()
    }
}
