import Foundation
import LocalCluster
import XCTest
import YAML

final class ListWatchTests: XCTestCase {
    let pods = "/api/v1/namespaces/fixtures/pods"

    func pod(_ name: String, labels: JSONValue = ["app": "vllm"], node: String? = nil, phase: String = "Running") -> JSONValue {
        var spec: JSONValue = ["containers": [["name": "c", "image": "i"]]]
        if let node { spec["nodeName"] = .string(node) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": labels], "spec": spec,
                "status": ["phase": .string(phase)]]
    }

    func seeded(store: ObjectStore = ObjectStore(), bookmarkInterval: Duration = .seconds(10)) async -> LocalAPI {
        let api = await LocalAPI.withNamespace(store: store, bookmarkInterval: bookmarkInterval)
        for (i, name) in ["vllm-a", "vllm-b", "vllm-c", "vllm-sts-0", "vllm-sts-1"].enumerated() {
            let labels: JSONValue = name.contains("sts") ? ["app": "vllm", "kind": "sts"] : ["app": "vllm", "tier": i == 0 ? "gold" : "silver"]
            _ = await api.call("POST", pods, body: pod(name, labels: labels, node: i % 2 == 0 ? "gpu-node-a" : "gpu-node-b",
                                                       phase: i == 2 ? "Pending" : "Running"))
        }
        return api
    }

    func testPagingIsOneSnapshotAndTokensLookReal() async throws {
        let api = await seeded()
        let page1 = await api.call("GET", pods, query: [("limit", "2")]).json
        XCTAssertEqual(page1["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue }, ["vllm-a", "vllm-b"])
        XCTAssertEqual(page1["metadata"]?["remainingItemCount"], 3)
        let token = try XCTUnwrap(page1["metadata"]?["continue"]?.stringValue)
        // Same shape as the recorded token: {"v":"meta.k8s.io/v1","rv":N,"start":"vllm-b\u0000"}.
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        let decoded = String(decoding: Data(base64Encoded: b64) ?? Data(), as: UTF8.self)
        XCTAssertEqual(decoded, #"{"v":"meta.k8s.io/v1","rv":\#(page1["metadata"]!["resourceVersion"]!.stringValue!),"start":"vllm-b\u0000"}"#)

        // A write between pages does not show in the continuation (one consistent snapshot).
        _ = await api.call("POST", pods, body: pod("vllm-bb"))
        let page2 = await api.call("GET", pods, query: [("limit", "2"), ("continue", token)]).json
        XCTAssertEqual(page2["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue }, ["vllm-c", "vllm-sts-0"])
        XCTAssertEqual(page2["metadata"]?["resourceVersion"], page1["metadata"]?["resourceVersion"])
        let page3 = await api.call("GET", pods, query: [("limit", "2"), ("continue", page2["metadata"]!["continue"]!.stringValue!)]).json
        XCTAssertEqual(page3["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue }, ["vllm-sts-1"])
        XCTAssertNil(page3["metadata"]?["continue"])
    }

    func testExpiredContinueIs410WithInconsistentToken() async throws {
        let api = await seeded(store: ObjectStore(historyCapacity: 3))
        let page1 = await api.call("GET", pods, query: [("limit", "2")]).json
        for i in 0..<5 { _ = await api.call("POST", "/api/v1/namespaces/fixtures/configmaps", body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string("c\(i)")]]) }
        let expired = await api.call("GET", pods, query: [("limit", "2"), ("continue", page1["metadata"]!["continue"]!.stringValue!)])
        let recorded = try Fixture.json("05-lists/pods.limit-2.expired-continue.410.json")
        XCTAssertEqual(expired.status, 410)
        for field in ["kind", "status", "reason", "code", "message"] { XCTAssertEqual(expired.json[field], recorded[field], field) }
        let fresh = try XCTUnwrap(expired.json["metadata"]?["continue"]?.stringValue)
        let inconsistent = await api.call("GET", pods, query: [("limit", "2"), ("continue", fresh)]).json
        XCTAssertEqual(inconsistent["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue }, ["vllm-c", "vllm-sts-0"])
    }

    func testResourceVersionZeroIgnoresLimit() async throws {
        let api = await seeded()
        let list = await api.call("GET", pods, query: [("resourceVersion", "0"), ("limit", "2")]).json
        XCTAssertEqual(list["items"]?.arrayValue?.count, 5)
        XCTAssertNil(list["metadata"]?["continue"])
    }

    func testSelectors() async throws {
        let api = await seeded()
        func names(_ query: [(String, String)]) async -> [String] {
            await api.call("GET", pods, query: query).json["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } ?? []
        }
        let sts = await names([("labelSelector", "kind=sts")])
        XCTAssertEqual(sts, ["vllm-sts-0", "vllm-sts-1"])
        let notSts = await names([("labelSelector", "app==vllm,!kind")])
        XCTAssertEqual(notSts, ["vllm-a", "vllm-b", "vllm-c"])
        let tiers = await names([("labelSelector", "tier in (gold, bronze)")])
        XCTAssertEqual(tiers, ["vllm-a"])
        let notIn = await names([("labelSelector", "tier notin (gold),tier")])
        XCTAssertEqual(notIn, ["vllm-b", "vllm-c"])
        let neq = await names([("labelSelector", "tier!=silver")])
        XCTAssertEqual(neq, ["vllm-a", "vllm-sts-0", "vllm-sts-1"])
        let running = await names([("fieldSelector", "status.phase=Running,spec.nodeName=gpu-node-a")])
        XCTAssertEqual(running, ["vllm-a", "vllm-sts-1"])
        let byName = await names([("fieldSelector", "metadata.name!=vllm-a")])
        XCTAssertEqual(byName.count, 4)
        let bad = await api.call("GET", pods, query: [("fieldSelector", "spec.bogus=x")])
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.json["message"], "field label not supported: spec.bogus")
    }

    func testWatchFromResourceVersionSeesModifiedThenDeletedAndUnregisters() async throws {
        let store = ObjectStore()
        let api = await seeded(store: store)
        let list = await api.call("GET", pods).json
        let rv = list["metadata"]!["resourceVersion"]!.stringValue!
        var watch: ServerResponse? = await api.call("GET", pods, query: [("watch", "true"), ("resourceVersion", rv)])
        XCTAssertEqual(watch?.status, 200)
        _ = await api.call("PATCH", "\(pods)/vllm-a", headers: [("Content-Type", "application/merge-patch+json")], body: ["metadata": ["labels": ["x": "y"]]])
        // A bound pod is deleted gracefully, then by its kubelet with grace 0 (the recorded
        // pods.watch.bookmarks.timeout-20 stream: MODIFIED, MODIFIED, DELETED).
        let graceful = await api.call("DELETE", "\(pods)/vllm-a")
        XCTAssertEqual(graceful.status, 200)
        XCTAssertEqual(graceful.json["metadata"]?["deletionGracePeriodSeconds"], 30)
        _ = await api.call("DELETE", "\(pods)/vllm-a", query: [("gracePeriodSeconds", "0")])
        let events = await watch?.events(upTo: 4) ?? []
        // The server drops the stream when the client goes away; that must end the watch.
        watch = nil
        XCTAssertEqual(events.compactMap { $0["type"]?.stringValue }, ["MODIFIED", "MODIFIED", "MODIFIED", "DELETED"])
        XCTAssertEqual(events[0]["object"]?["kind"], "Pod")
        XCTAssertEqual(events[0]["object"]?["metadata"]?["labels"]?["x"], "y")
        XCTAssertEqual(events[1]["object"]?["metadata"]?["deletionGracePeriodSeconds"], 30)
        XCTAssertEqual(events[2]["object"]?["metadata"]?["deletionGracePeriodSeconds"], 0)
        let rvs = events.compactMap { Int($0["object"]?["metadata"]?["resourceVersion"]?.stringValue ?? "") }
        XCTAssertEqual(rvs, rvs.sorted())
        // The store's watcher is gone.
        for _ in 0..<50 where await store.watcherCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
        let remaining = await store.watcherCount
        XCTAssertEqual(remaining, 0)
    }

    func testWatchWithoutResourceVersionStartsWithAddedAndFiltersBySelector() async throws {
        let api = await seeded()
        let watch = await api.call("GET", pods, query: [("watch", "1"), ("labelSelector", "kind=sts"), ("timeoutSeconds", "1")])
        _ = await api.call("PATCH", "\(pods)/vllm-sts-0", headers: [("Content-Type", "application/merge-patch+json")],
                           body: ["metadata": ["labels": ["kind": nil]]])
        let events = await watch.events()
        XCTAssertEqual(events.compactMap { $0["type"]?.stringValue }, ["ADDED", "ADDED", "DELETED"],
                       "leaving the selector reads as DELETED; the stream ends at timeoutSeconds")
    }

    func testWatchFromTooOldResourceVersionIsAnErrorEvent() async throws {
        let api = await seeded(store: ObjectStore(historyCapacity: 2))
        let watch = await api.call("GET", pods, query: [("watch", "true"), ("resourceVersion", "1")])
        XCTAssertEqual(watch.status, 200)
        let events = await watch.events()
        XCTAssertEqual(events.count, 1)
        let recorded = try String(contentsOf: Fixture.url("06-watch/pods.watch.resourceVersion-1.410-expired.jsonl"), encoding: .utf8)
        let recordedEvent = try JSONValue(json: String(recorded.split(separator: "\n")[0]))
        XCTAssertEqual(events[0]["type"], recordedEvent["type"])
        for field in ["kind", "apiVersion", "status", "reason", "code"] {
            XCTAssertEqual(events[0]["object"]?[field], recordedEvent["object"]?[field], field)
        }
        XCTAssertTrue(events[0]["object"]?["message"]?.stringValue?.hasPrefix("too old resource version: 1 (") ?? false)
    }

    func testBookmarks() async throws {
        let api = await seeded(bookmarkInterval: .milliseconds(50))
        let rv = await api.store.currentRevision
        let watch = await api.call("GET", pods, query: [("watch", "true"), ("resourceVersion", String(rv)), ("allowWatchBookmarks", "true")])
        let events = await watch.events(upTo: 1)
        XCTAssertEqual(events.first?["type"], "BOOKMARK")
        XCTAssertEqual(events.first?["object"]?["kind"], "Pod")
        XCTAssertEqual(events.first?["object"]?["metadata"]?["resourceVersion"], .string(String(rv)))
    }

    func testTables() async throws {
        let api = await seeded()
        let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        let table = await api.call("GET", pods, headers: [("Accept", accept)]).json
        let recorded = try Fixture.json("08-table/pods.table.json")
        XCTAssertEqual(table["kind"], "Table")
        XCTAssertEqual(table["columnDefinitions"], recorded["columnDefinitions"])
        let row = try XCTUnwrap(table["rows"]?[0])
        XCTAssertEqual(row["cells"]?[0], "vllm-a")
        XCTAssertEqual(row["cells"]?[1], "0/1")
        XCTAssertEqual(row["cells"]?[2], "Running")
        XCTAssertEqual(row["cells"]?[3], "0")
        XCTAssertEqual(row["cells"]?[6], "gpu-node-a")
        XCTAssertEqual(row["object"]?["kind"], "PartialObjectMetadata")
        let none = await api.call("GET", pods, query: [("includeObject", "None")], headers: [("Accept", accept)]).json
        XCTAssertEqual(none["rows"]?[0]?["object"], .null)

        _ = await api.call("POST", "/apis/apps/v1/namespaces/fixtures/deployments", body: try recordedDeployment())
        let deployments = await api.call("GET", "/apis/apps/v1/namespaces/fixtures/deployments", headers: [("Accept", accept)]).json
        XCTAssertEqual(deployments["columnDefinitions"], try Fixture.json("08-table/deployments.table.json")["columnDefinitions"])
        XCTAssertEqual(deployments["rows"]?[0]?["cells"]?.arrayValue?.count, 8)
        let cells = deployments["rows"]?[0]?["cells"]?.arrayValue ?? []
        XCTAssertEqual(cells[1], "0/2")
        XCTAssertEqual(cells[2], 0)
        XCTAssertEqual(cells[5], "vllm")
        XCTAssertEqual(cells[6], "vllm/vllm-openai:v0.6.3")
        XCTAssertEqual(cells[7], "app.kubernetes.io/instance=vllm-qwen,app.kubernetes.io/name=vllm")
        let paged = await api.call("GET", pods, query: [("limit", "2")], headers: [("Accept", accept)]).json
        XCTAssertNotNil(paged["metadata"]?["continue"])
    }
}
