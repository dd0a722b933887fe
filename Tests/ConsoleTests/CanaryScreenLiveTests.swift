@testable import Console
import Foundation
import Kube
import KvdeckTestSupport
import LocalCluster
import Operations
import XCTest

/// The canary screen follows the console's watches when its stores hold everything the canary
/// depends on, and fetches the canary (as `kvdeck canary status` does) when they cannot tell.
final class CanaryScreenLiveTests: XCTestCase {
    static let namespace = DemoSeed.namespace

    private func fetches(_ requests: [OperationRequest]) -> [String] {
        requests.compactMap {
            if case let .loadCanary(name, namespace) = $0 { return "\(namespace)/\(name)" } else { return nil }
        }
    }

    @MainActor func testTheScreenFollowsAnotherClientsChangeWithoutAFetch() async throws {
        let console = try await LocalClusterConsole.start()
        defer { Task { await console.stop() } }
        try await console.waitFor("the canary stores synced") { $0.liveCanaryInputs(namespace: Self.namespace) != nil }
        console.type(":canary smollm2")
        console.type([.enter])
        XCTAssertEqual(fetches(console.session.takeOperationRequests(state: console.state)), [], "nothing fetched")
        let screen = try XCTUnwrap(console.session.top as? CanaryScreen)
        XCTAssertTrue(screen.isLive)
        XCTAssertEqual(screen.view?.state.canaryPercent, 10)
        XCTAssertEqual(screen.view?.tracks.stable, LabelSelector(matchLabels: ["app": "smollm2", "track": "stable"]))
        var text = console.frame().text
        XCTAssertTrue(text.contains("live from the watches"), text)
        XCTAssertTrue(text.contains("10 (10%)"), text)

        // Another client (kubectl patch, say) moves the split: the watch brings it, no request of the screen's.
        let patch = #"[{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":70},{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":30}]"#
        _ = try await console.client.patch(CanaryResources.httpRoute, name: "smollm2", namespace: Self.namespace,
                                           patch: Data(patch.utf8), type: .json)
        try await console.waitFor("the new weights in the route store") { screen.liveView($0)?.state.canaryPercent == 30 }
        XCTAssertEqual(fetches(console.session.takeOperationRequests(state: console.state)), [], "still nothing fetched")
        XCTAssertEqual(screen.view?.state.canaryPercent, 30)
        text = console.frame().text
        XCTAssertTrue(text.contains("70 (70%)") && text.contains("30 (30%)"), text)
    }

    @MainActor func testAStoreThatCannotTellFallsBackToFetching() async throws {
        let console = try await LocalClusterConsole.start()
        defer { Task { await console.stop() } }
        try await console.waitFor("the canary stores synced") { $0.liveCanaryInputs(namespace: Self.namespace) != nil }
        let synced = console.state

        // Each way the stores may not hold the whole canary: a list refused (retrying), a namespace
        // they do not watch, discovery not answered.
        var refused = synced
        refused.httpRoutes?.state = .reconnecting(attempt: 2, lastError: "httproutes is forbidden")
        var otherNamespace = synced
        otherNamespace.canaryCoverage?.namespace = "team-b"
        var undiscovered = synced
        undiscovered.canaryCoverage = nil
        for (why, state) in [("a refused list", refused), ("another namespace", otherNamespace), ("no discovery", undiscovered)] {
            XCTAssertTrue(state.liveCanaryInputs(namespace: Self.namespace) == nil, why)
            let screen = CanaryScreen(key: "\(Self.namespace)/smollm2")
            XCTAssertEqual(fetches(screen.dataRequests(state: state, now: Date())), ["\(Self.namespace)/smollm2"], why)
            XCTAssertFalse(screen.isLive, why)
        }
        // A kind the server does not serve has no store and is no gap; one it serves must be synced.
        var unserved = synced
        unserved.rollouts = nil
        unserved.canaryCoverage?.servedKinds.remove(CanaryResources.argoRollout.resource)
        XCTAssertTrue(unserved.liveCanaryInputs(namespace: Self.namespace) != nil, "an unserved kind")
        var missing = synced
        missing.canaryCoverage?.servedKinds.insert(CanaryResources.argoRollout.resource)
        missing.rollouts = nil
        XCTAssertTrue(missing.liveCanaryInputs(namespace: Self.namespace) == nil, "a served kind without a store")

        // Synced stores: the screen takes the canary from them; a name with no canary there is fetched
        // (the fetch's error names what it looked for).
        let screen = CanaryScreen(key: "\(Self.namespace)/smollm2")
        XCTAssertEqual(fetches(screen.dataRequests(state: synced, now: Date())), [])
        XCTAssertEqual(screen.view?.state.object, "httproute.gateway.networking.k8s.io/smollm2")
        let none = CanaryScreen(key: "\(Self.namespace)/smollm2-stable")
        XCTAssertEqual(fetches(none.dataRequests(state: synced, now: Date())), ["\(Self.namespace)/smollm2-stable"])
    }

    /// The live tracks equal the fetched ones for every mechanism the local cluster holds.
    @MainActor func testLiveTracksEqualFetchedTracks() async throws {
        let console = try await LocalClusterConsole.start()
        defer { Task { await console.stop() } }
        try await console.waitFor("the canary stores synced") { $0.liveCanaryInputs(namespace: Self.namespace) != nil }
        let state = try await CanaryOperations(client: console.client).status(name: "smollm2", namespace: Self.namespace)
        let fetched = await CanaryTrackSelectors.resolve(state, client: console.client)
        XCTAssertEqual(CanaryTrackSelectors.tracks(state, in: console.state), fetched)
        XCTAssertNotNil(fetched.stable)
        XCTAssertNotNil(fetched.canary)
        XCTAssertNil(fetched.note)
    }
}
