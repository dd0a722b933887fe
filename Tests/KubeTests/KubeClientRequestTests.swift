import XCTest
import YAML
@testable import Kube

/// Our writes against the exact requests kubectl and curl sent in the recordings.
final class KubeClientRequestTests: XCTestCase {
    static let deployments = ResourceType(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true)
    static let configmaps = ResourceType(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true)
    static let canaries = ResourceType(group: "example.com", version: "v1", resource: "canaries", kind: "Canary", namespaced: true)

    /// Expects the PATCH kubectl sent (method, path, exact query, Content-Type, body) and answers 200.
    private func kubectlPatch(_ capture: String, index: Int? = nil) throws -> (RecordedTransport.Step, Data) {
        let requests = try RecordedFixtures.kubectlRequests(capture)
        guard let sent = index.map({ requests[$0] }) ?? requests.last(where: { $0["method"] as? String == "PATCH" }),
              let urlText = sent["url"] as? String, let url = URLComponents(string: urlText),
              let body = (sent["body"] as? String).map({ Data($0.utf8) }) else {
            throw XCTSkip("\(capture) has no PATCH")
        }
        let step = RecordedTransport.Step(
            expect: .init(method: "PATCH", path: url.percentEncodedPath, query: url.percentEncodedQuery ?? "",
                          headers: ["Content-Type": sent["contentType"] as? String ?? ""], body: body),
            reply: .response(status: sent["status"] as? Int ?? 200, headers: [:], body: Data("{}".utf8)))
        return (step, body)
    }

    func testDryRunScaleMatchesKubectl() async throws {
        let (step, body) = try kubectlPatch("11-dry-run-and-apply/kubectl-scale-dry-run-server.kubectl-requests.jsonl")
        let transport = RecordedTransport([step])
        _ = try await makeClient(transport).patch(Self.deployments, name: "vllm-qwen", namespace: "fixtures", subresource: "scale",
                                                  patch: body, type: .merge, dryRun: true)
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testServerSideApplyMatchesKubectl() async throws {
        let (step, body) = try kubectlPatch("11-dry-run-and-apply/kubectl-apply-server-side.kubectl-requests.jsonl")
        let transport = RecordedTransport([step])
        _ = try await makeClient(transport).apply(Self.configmaps, name: "kvdeck-settings", namespace: "fixtures",
                                                  manifest: body, force: true)
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testJSONAndMergePatchOnCustomResourceMatchKubectl() async throws {
        let (jsonStep, jsonBody) = try kubectlPatch("12-crd-patches/kubectl-patch-json.kubectl-requests.jsonl")
        let (mergeStep, mergeBody) = try kubectlPatch("12-crd-patches/kubectl-patch-merge.kubectl-requests.jsonl")
        let transport = RecordedTransport([jsonStep, mergeStep])
        let client = makeClient(transport)
        _ = try await client.patch(Self.canaries, name: "vllm-qwen-canary", namespace: "fixtures", patch: jsonBody,
                                   type: .json, fieldManager: "kubectl-patch")
        _ = try await client.patch(Self.canaries, name: "vllm-qwen-canary", namespace: "fixtures", patch: mergeBody,
                                   type: .merge, fieldManager: "kubectl-patch")
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testStrategicMergeOnCustomResourceSurfaces415() async throws {
        let (step, body) = try kubectlPatch("12-crd-patches/kubectl-patch-strategic-error.kubectl-requests.jsonl")
        var failing = step
        failing.reply = .response(status: 415, headers: [:],
                                  body: try RecordedFixtures.data("07-errors/415-strategic-merge-patch-on-custom-resource.json"))
        let transport = RecordedTransport([failing])
        do {
            _ = try await makeClient(transport).patch(Self.canaries, name: "vllm-qwen-canary", namespace: "fixtures", patch: body,
                                                      type: .strategicMerge, fieldManager: "kubectl-patch")
            XCTFail("expected 415")
        } catch let error as KubeAPIError {
            XCTAssertEqual(error.code, 415)
            XCTAssertTrue(error.description.contains("accepted media types include: application/json-patch+json"))
        }
    }

    func testCurlRecordedApplyAndStatusPatchOnCustomResource() async throws {
        let apply = try RecordedTransport.Step.fixture("12-crd-patches/05-apply-weights.response.json",
                                                       headers: ["Content-Type": "application/apply-patch+yaml"])
        let status = try RecordedTransport.Step.fixture("12-crd-patches/04-merge-patch-status.response.json",
                                                        headers: ["Content-Type": "application/merge-patch+json"])
        let transport = RecordedTransport([apply, status])
        let client = makeClient(transport)
        let applied = try await client.apply(Self.canaries, name: "vllm-qwen-canary", namespace: "fixtures",
                                             manifest: try RecordedFixtures.data("12-crd-patches/05-apply-weights.request.yaml"),
                                             force: true, fieldValidation: nil)
        XCTAssertEqual(applied.value(at: "kind"), .string("Canary"))
        _ = try await client.patch(Self.canaries, name: "vllm-qwen-canary", namespace: "fixtures", subresource: "status",
                                   patch: try RecordedFixtures.data("12-crd-patches/04-merge-patch-status.request.json"),
                                   type: .merge, fieldManager: "kvdeck-controller")
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testUnauthorizedOnceThenRetriedExactlyOnce() async throws {
        let unauthorized = try RecordedFixtures.data("07-errors/401-bad-token.json")
        let expect = RecordedTransport.Expectation(method: "GET", path: "/api/v1/namespaces/fixtures/pods/p", query: "")
        let transport = RecordedTransport([
            .init(expect: expect, reply: .response(status: 401, headers: [:], body: unauthorized)),
            .init(expect: expect, reply: .response(status: 200, headers: [:],
                                                   body: Data(#"{"metadata":{"name":"p","namespace":"fixtures"}}"#.utf8))),
        ])
        let credentials = CountingCredentials(refreshes: true)
        let pod = try await makeClient(transport, credentials: credentials).get(TestPod.self, name: "p")
        XCTAssertEqual(pod.metadata.name, "p")
        XCTAssertEqual(credentials.invalidated, 1)
        XCTAssertEqual(credentials.authorized, 2)
        XCTAssertEqual(transport.requests.map { $0.header("Authorization") }, ["Bearer token-1", "Bearer token-2"])
    }

    func testUnauthorizedTwiceIsAnError() async throws {
        let unauthorized = try RecordedFixtures.data("07-errors/401-bad-token.json")
        let expect = RecordedTransport.Expectation(method: "GET", path: "/api/v1/namespaces/fixtures/pods/p", query: "")
        let transport = RecordedTransport([
            .init(expect: expect, reply: .response(status: 401, headers: [:], body: unauthorized)),
            .init(expect: expect, reply: .response(status: 401, headers: [:], body: unauthorized)),
        ])
        let credentials = CountingCredentials(refreshes: true)
        do {
            _ = try await makeClient(transport, credentials: credentials).get(TestPod.self, name: "p")
            XCTFail("expected 401")
        } catch let error as KubeAPIError {
            XCTAssertTrue(error.isUnauthorized)
        }
        XCTAssertEqual(credentials.invalidated, 1)
        XCTAssertEqual(transport.requests.count, 2)
    }

    func testUnauthorizedWithoutRefreshIsNotRetried() async throws {
        let expect = RecordedTransport.Expectation(method: "GET", path: "/api/v1/namespaces/fixtures/pods/p", query: "")
        let transport = RecordedTransport([.init(expect: expect, reply: .response(
            status: 401, headers: [:], body: try RecordedFixtures.data("07-errors/401-bad-token.json")))])
        let credentials = CountingCredentials(refreshes: false)
        await XCTAssertThrowsAsync(try await makeClient(transport, credentials: credentials).get(TestPod.self, name: "p"))
        XCTAssertEqual(transport.requests.count, 1)
    }

    func testModifyKeepsUnknownFieldsAndRetriesOnConflict() async throws {
        let path = "/apis/example.com/v1/namespaces/fixtures/canaries/vllm-qwen-canary"
        let original = try RecordedFixtures.data("12-crd-patches/06-canary-get.json")
        var stored = try UnstructuredJSON.parse(original, context: "fixture")
        stored["x-unknown"] = .object(["kept": .bool(true)])
        let firstRead = UnstructuredJSON.serialize(stored)
        var newer = stored
        newer["metadata"]?["resourceVersion"] = .string("999999")
        let secondRead = UnstructuredJSON.serialize(newer)
        var expectedPut = newer
        expectedPut["spec"]?["weights"]?["canary"] = .int(30)
        var firstPut = stored
        firstPut["spec"]?["weights"]?["canary"] = .int(30)

        let get = RecordedTransport.Expectation(method: "GET", path: path, query: "")
        let transport = RecordedTransport([
            .init(expect: get, reply: .response(status: 200, headers: [:], body: firstRead)),
            .init(expect: .init(method: "PUT", path: path, query: "", headers: ["Content-Type": "application/json"],
                                body: UnstructuredJSON.serialize(firstPut), bodyIsJSON: true),
                  reply: .response(status: 409, headers: [:],
                                   body: try RecordedFixtures.data("07-errors/409-conflict-put-stale-resourceVersion.json"))),
            .init(expect: get, reply: .response(status: 200, headers: [:], body: secondRead)),
            .init(expect: .init(method: "PUT", path: path, query: "", body: UnstructuredJSON.serialize(expectedPut), bodyIsJSON: true),
                  reply: .response(status: 200, headers: [:], body: UnstructuredJSON.serialize(expectedPut))),
        ])
        let result = try await makeClient(transport).modify(Self.canaries, name: "vllm-qwen-canary", namespace: "fixtures") {
            $0["spec"]?["weights"]?["canary"] = .int(30)
        }
        XCTAssertEqual(result["x-unknown"], .object(["kept": .bool(true)]))
        XCTAssertEqual(transport.remainingSteps, 0)
    }

    func testCreateAndDeleteBodies() async throws {
        let create = try RecordedTransport.Step.fixture("12-crd-patches/01-canary-create.response.json",
                                                        headers: ["Content-Type": "application/json"])
        let deleteBody = Data(#"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","preconditions":{"uid":"u-1","resourceVersion":"7"},"dryRun":["All"]}"#.utf8)
        let transport = RecordedTransport([create, .init(
            expect: .init(method: "DELETE", path: "/apis/example.com/v1/namespaces/fixtures/canaries/c", query: "dryRun=All",
                          body: deleteBody, bodyIsJSON: true),
            reply: .response(status: 200, headers: [:], body: Data(#"{"kind":"Status","status":"Success"}"#.utf8)))])
        let client = makeClient(transport)
        let body = try UnstructuredJSON.parse(try RecordedFixtures.data("12-crd-patches/01-canary-create.request.json"), context: "f")
        let created = try await client.create(Self.canaries, namespace: "fixtures", body: body, fieldManager: "kvdeck")
        XCTAssertEqual(created.value(at: "metadata", "name"), .string("vllm-qwen-canary"))
        try await client.delete(Self.canaries, name: "c", namespace: "fixtures", propagationPolicy: .foreground,
                                preconditions: DeletePreconditions(uid: "u-1", resourceVersion: "7"), dryRun: true)
    }
}

func XCTAssertThrowsAsync<T>(_ expression: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await expression()
        XCTFail("expected an error", file: file, line: line)
    } catch {}
}
