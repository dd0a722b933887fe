import Foundation
import LocalCluster
@testable import LocalClusterServer
import XCTest
import YAML

/// The demo's load follows the HTTPRoute's weights, as a gateway would.
final class DemoLoadGeneratorTests: XCTestCase {
    func route(_ weights: (String, Int)...) -> JSONValue {
        ["apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
         "metadata": ["name": "smollm2", "namespace": "llm-prod"],
         "spec": ["rules": [["backendRefs": .array(weights.map { ["name": .string($0.0), "port": 8000, "weight": .int(Int64($0.1))] })]]]]
    }

    func testBackendsAreDrawnByTheRoutesWeights() async throws {
        let api = LocalAPI()
        let namespace = await api.handle(ServerRequest(method: "POST", path: "/api/v1/namespaces",
            body: (["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "llm-prod"]] as JSONValue).jsonData()))
        XCTAssertEqual(namespace.status, 201)
        let created = await api.handle(ServerRequest(method: "POST", path: "/apis/gateway.networking.k8s.io/v1/namespaces/llm-prod/httproutes",
                                                     body: route(("stable", 90), ("canary", 10), ("off", 0)).jsonData()))
        XCTAssertEqual(created.status, 201)
        let load = DemoLoadGenerator(api: api)
        var counts: [String: Int] = [:]
        for _ in 0..<2000 {
            let backend = await load.pickBackend()
            counts[backend?.service ?? "none", default: 0] += 1
        }
        XCTAssertNil(counts["off"], "a weight of 0 gets no traffic")
        XCTAssertNil(counts["none"])
        // 10% of 2000 is 200; a binomial's 5-sigma band is about ±67.
        XCTAssertEqual(Double(counts["canary"] ?? 0), 200, accuracy: 70, "\(counts)")

        // A request to a Service with no pods fails (503 from the proxy) and is counted as sent only.
        await load.sendOne()
        let (sent, succeeded) = (await load.sent, await load.succeeded)
        XCTAssertEqual(sent, 1)
        XCTAssertEqual(succeeded, 0)
    }

    func testNoRouteMeansNoLoad() async {
        let load = DemoLoadGenerator(api: LocalAPI())
        let backend = await load.pickBackend()
        XCTAssertNil(backend)
        await load.sendOne()
        let sent = await load.sent
        XCTAssertEqual(sent, 0)
    }
}
