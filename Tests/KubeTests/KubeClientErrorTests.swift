import XCTest
@testable import Kube
import YAML

final class KubeClientErrorTests: XCTestCase {
    private func error(for file: String) async throws -> KubeAPIError {
        let exchange = try RecordedFixtures.exchange(file)
        let transport = RecordedTransport([.init(
            expect: .init(method: exchange.method, path: URLComponents(url: exchange.url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? "", query: nil),
            reply: .response(status: exchange.status, headers: exchange.responseHeaders, body: try RecordedFixtures.data(file)))])
        let path = exchange.url.path
        let request = APIRequest(method: exchange.method, path: path, body: exchange.method == "GET" ? nil : Data("{}".utf8))
        do {
            _ = try await makeClient(transport).send(request)
        } catch let error as KubeAPIError {
            return error
        }
        XCTFail("\(file): no error")
        return KubeAPIError(code: 0, message: "")
    }

    func testEveryRecordedStatusBecomesAKubeAPIError() async throws {
        let dir = RecordedFixtures.root.appendingPathComponent("07-errors")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { RecordedFixtures.exchanges["07-errors/" + $0].map { $0.status >= 400 } ?? false }
            .sorted()
        XCTAssertGreaterThan(files.count, 15)
        for file in files {
            let e = try await error(for: "07-errors/" + file)
            let exchange = try RecordedFixtures.exchange("07-errors/" + file)
            XCTAssertEqual(e.code, exchange.status, file)
            XCTAssertFalse(e.description.isEmpty, file)
            XCTAssertFalse(e.description.contains("REDACTED"), file)
        }
    }

    func testHelpers() async throws {
        let notFound = try await error(for: "07-errors/404-get-missing-deployment.json")
        XCTAssertTrue(notFound.isNotFound)
        XCTAssertEqual(notFound.details?.name, "vllm-missing")
        XCTAssertEqual(notFound.description, #"deployments.apps "vllm-missing" not found"#)

        let conflict = try await error(for: "07-errors/409-conflict-put-stale-resourceVersion.json")
        XCTAssertTrue(conflict.isConflict)
        XCTAssertFalse(conflict.isAlreadyExists)

        let exists = try await error(for: "07-errors/409-already-exists-create-deployment.json")
        XCTAssertTrue(exists.isAlreadyExists)
        XCTAssertFalse(exists.isConflict)

        let forbidden = try await error(for: "07-errors/403-viewer-patch-scale.json")
        XCTAssertTrue(forbidden.isForbidden)
        XCTAssertEqual(forbidden.description, #"deployments.apps "vllm-qwen" is forbidden: User "console-viewer" cannot patch resource "deployments/scale" in API group "apps" in the namespace "fixtures""#)

        let unauthorized = try await error(for: "07-errors/401-bad-token.json")
        XCTAssertTrue(unauthorized.isUnauthorized)
        XCTAssertTrue(unauthorized.description.contains("credentials"))

        let invalid = try await error(for: "07-errors/422-crd-schema-violation.json")
        XCTAssertTrue(invalid.isInvalid)
        XCTAssertEqual(invalid.details?.causes?.first?.field, "spec.weights.canary")

        let smp = try await error(for: "07-errors/415-strategic-merge-patch-on-custom-resource.json")
        XCTAssertEqual(smp.reason, "UnsupportedMediaType")
        XCTAssertTrue(smp.description.contains("application/merge-patch+json"))

        let tooLarge = try await error(for: "07-errors/504-resourceVersion-too-large.json")
        XCTAssertEqual(tooLarge.details?.retryAfterSeconds, 1)
        XCTAssertFalse(tooLarge.isExpired)
    }

    func testCausesNotInTheMessageAreListed() {
        let e = KubeAPIError(code: 422, reason: "Invalid", message: "Widget \"w\" is invalid",
                             details: .init(causes: [.init(reason: "FieldValueRequired", message: "Required value", field: "spec.size")]))
        XCTAssertEqual(e.description, #"Widget "w" is invalid (spec.size: Required value)"#)
    }

    func testPlainText404NamesStatusAndPath() async throws {
        let e = try await error(for: "07-errors/404-unknown-api-group.txt")
        XCTAssertTrue(e.isNotFound)
        XCTAssertEqual(e.description, "GET /apis/example.org/v9/things: the server answered 404 Not Found: 404 page not found")
    }

    func testWarningHeaderReachesTheCaller() async throws {
        let file = "07-errors/201-warn-field-validation.json"
        let exchange = try RecordedFixtures.exchange(file)
        let transport = RecordedTransport([try .fixture(file, headers: ["Content-Type": "application/json"])])
        let collected = WarningBox()
        let client = makeClient(transport, onWarning: { collected.add($0) })
        let configmaps = ResourceType(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true)
        _ = exchange
        let body = try JSONValueFixture.load("07-errors/400-strict-field-validation.request.json")
        var request = APIRequest(method: "POST", path: ResourcePath(type: configmaps, namespace: "fixtures").path,
                                 query: [("fieldValidation", "Warn"), ("dryRun", "All")])
        request.contentType = "application/json"
        request.body = UnstructuredJSON.serialize(body)
        _ = try await client.send(request)
        XCTAssertEqual(collected.all.map(\.text), [#"unknown field "dataa""#])
        XCTAssertEqual(collected.all.first?.code, 299)
    }

    func testWarningParserHandlesSeveralAndOddValues() {
        let w = APIWarning.parse(#"299 - "a, \"b\"", 299 - "c" "Sat, 21 Nov 2026 10:00:00 GMT""#, request: "GET /x")
        XCTAssertEqual(w.map(\.text), [#"a, "b""#, "c"])
        XCTAssertEqual(APIWarning.parse("garbage", request: "GET /x").count, 1)
    }
}

final class WarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var warnings: [APIWarning] = []
    func add(_ w: APIWarning) { lock.withLock { warnings.append(w) } }
    var all: [APIWarning] { lock.withLock { warnings } }
}

enum JSONValueFixture {
    static func load(_ file: String) throws -> JSONValue {
        try UnstructuredJSON.parse(try RecordedFixtures.data(file), context: file)
    }
}
