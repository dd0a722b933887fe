import Foundation
import KvdeckTestSupport
import LocalCluster
import XCTest
import YAML

/// SelfSubjectAccessReview and SelfSubjectReview, and the 403s a restricted user gets, against the
/// recorded real server's answers for its administrator and its viewer (`console-viewer`, bound
/// to the ClusterRole `view`). The viewer here is named as the recorded one so messages compare whole.
final class AccessReviewTests: XCTestCase {
    let reviews = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    let whoami = "/apis/authentication.k8s.io/v1/selfsubjectreviews"

    func cluster() async -> LocalAPI {
        let api = LocalAPI(users: LocalUsers(restricted: [LocalUsers.viewer("console-viewer")]))
        _ = await api.call("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fixtures"]])
        return api
    }

    func request(_ api: LocalAPI, as user: String, _ method: String, _ path: String, body: Data = Data(),
                 contentType: String = "application/json") async -> ServerResponse {
        await api.handle(ServerRequest(method: method, path: path,
                                       headers: [("Content-Type", contentType), ("User-Agent", "kvdeck-fixtures/1.0 (curl/7.88.1)")],
                                       body: body, user: user))
    }

    func testAccessReviewsAnswerAsTheRecordedServer() async throws {
        let api = await cluster()
        let scaleRequest = try Fixture.data("10-access-reviews/ssar.patch-deployments-scale.request.json")
        for (user, recordedFile) in [("kvdeck-admin", "ssar.patch-deployments-scale.admin-token.response.json"),
                                     ("console-viewer", "ssar.patch-deployments-scale.viewer-token.response.json")] {
            let answer = await request(api, as: user, "POST", reviews, body: scaleRequest)
            XCTAssertEqual(answer.status, 201, answer.text)
            let recorded = try Fixture.json("10-access-reviews/" + recordedFile)
            for field in ["kind", "apiVersion", "spec", "status"] {
                XCTAssertEqual(answer.json[field], recorded[field], "\(user) \(field)")
            }
            let managed = answer.json["metadata"]?["managedFields"]?[0]
            XCTAssertEqual(managed?["manager"], "kvdeck-fixtures")
            XCTAssertEqual(managed?["fieldsV1"], recorded["metadata"]?["managedFields"]?[0]?["fieldsV1"])
        }
        let proxy = await request(api, as: "console-viewer", "POST", reviews,
                                  body: try Fixture.data("10-access-reviews/ssar.get-pods-proxy.request.json"))
        let recordedProxy = try Fixture.json("10-access-reviews/ssar.get-pods-proxy.viewer-token.response.json")
        XCTAssertEqual(proxy.json["spec"], recordedProxy["spec"])
        XCTAssertEqual(proxy.json["status"], ["allowed": false])

        // What the viewer may do carries RBAC's reason, as on a real server.
        let readPods: JSONValue = ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                   "spec": ["resourceAttributes": ["namespace": "fixtures", "verb": "list", "resource": "pods"]]]
        let read = await request(api, as: "console-viewer", "POST", reviews, body: readPods.jsonData())
        XCTAssertEqual(read.json["status"]?["allowed"], true)
        XCTAssertEqual(read.json["status"]?["reason"],
                       #"RBAC: allowed by ClusterRoleBinding "kvdeck-viewers" of ClusterRole "view" to Group "kvdeck:viewers""#)
        let discovery: JSONValue = ["kind": "SelfSubjectAccessReview", "spec": ["nonResourceAttributes": ["path": "/apis/apps", "verb": "get"]]]
        let nonResource = await request(api, as: "console-viewer", "POST", reviews, body: discovery.jsonData())
        XCTAssertEqual(nonResource.json["status"]?["allowed"], true)

        let empty = await request(api, as: "kvdeck-admin", "POST", reviews, body: Data(#"{"kind":"SelfSubjectAccessReview","spec":{}}"#.utf8))
        XCTAssertEqual(empty.status, 422)
        XCTAssertEqual(empty.json["reason"], "Invalid")
        let listed = await request(api, as: "kvdeck-admin", "GET", reviews)
        XCTAssertEqual(listed.status, 405)
    }

    func testSelfSubjectReviewNamesTheCaller() async throws {
        let api = await cluster()
        let body = try Fixture.data("10-access-reviews/selfsubjectreview.request.json")
        let admin = await request(api, as: "kvdeck-admin", "POST", whoami, body: body)
        XCTAssertEqual(admin.status, 201)
        let recorded = try Fixture.json("10-access-reviews/selfsubjectreview.admin-client-cert.response.json")
        XCTAssertEqual(admin.json["kind"], recorded["kind"])
        XCTAssertEqual(admin.json["apiVersion"], recorded["apiVersion"])
        XCTAssertNotNil(admin.json["metadata"]?["creationTimestamp"]?.stringValue)
        XCTAssertEqual(admin.json["status"]?["userInfo"], ["username": "kvdeck-admin", "groups": ["system:masters", "system:authenticated"]])
        let viewer = await request(api, as: "console-viewer", "POST", whoami, body: body)
        XCTAssertEqual(viewer.json["status"]?["userInfo"], ["username": "console-viewer", "groups": ["kvdeck:viewers", "system:authenticated"]])
    }

    /// kubectl posts both reviews in protobuf (`kubectl auth can-i`, `kubectl auth whoami`): the
    /// recorded bodies are decoded and answered.
    func testKubectlsProtobufReviewsAreUnderstood() async throws {
        let api = await cluster()
        let canI = try recordedKubectlBody("kubectl-auth-can-i.viewer")
        let denied = await request(api, as: "console-viewer", "POST", reviews, body: canI, contentType: "application/vnd.kubernetes.protobuf")
        XCTAssertEqual(denied.status, 201, denied.text)
        XCTAssertEqual(denied.json["spec"], try Fixture.json("10-access-reviews/ssar.patch-deployments-scale.viewer-token.response.json")["spec"])
        XCTAssertEqual(denied.json["status"]?["allowed"], false)
        let allowed = await request(api, as: "kvdeck-admin", "POST", reviews, body: canI, contentType: "application/vnd.kubernetes.protobuf")
        XCTAssertEqual(allowed.json["status"]?["allowed"], true)
        let who = await request(api, as: "console-viewer", "POST", whoami, body: try recordedKubectlBody("kubectl-auth-whoami.viewer"),
                                contentType: "application/vnd.kubernetes.protobuf")
        XCTAssertEqual(who.status, 201, who.text)
        XCTAssertEqual(who.json["status"]?["userInfo"]?["username"], "console-viewer")
    }

    /// The recorded 403s, word for word.
    func testTheViewerIsRefusedWritesAndSecretsAsTheRealServerRefuses() async throws {
        let api = await cluster()
        _ = await api.call("POST", "/apis/apps/v1/namespaces/fixtures/deployments", body: try recordedDeployment())
        let patch = await request(api, as: "console-viewer", "PATCH", "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen/scale",
                                  body: try Fixture.data("07-errors/403-viewer-patch-scale.request.json"),
                                  contentType: "application/merge-patch+json")
        try assertStatus(patch, equals: "07-errors/403-viewer-patch-scale.json")
        try assertStatus(await request(api, as: "console-viewer", "GET", "/api/v1/namespaces/fixtures/secrets"),
                         equals: "07-errors/403-viewer-list-secrets.json")
        try assertStatus(await request(api, as: "console-viewer", "GET", "/api/v1/nodes"), equals: "07-errors/403-viewer-list-nodes.json")
        let read = await request(api, as: "console-viewer", "GET", "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen")
        XCTAssertEqual(read.status, 200)
        let scale = await api.call("GET", "/apis/apps/v1/namespaces/fixtures/deployments/vllm-qwen/scale")
        XCTAssertEqual(scale.json["spec"]?["replicas"], 2, "the refused patch changed nothing (the recorded deployment has 2)")
    }

    struct MissingRecording: Error { var capture: String }

    /// The body of the first POST in a recorded kubectl run, from its `-v=9` hexdump.
    func recordedKubectlBody(_ capture: String) throws -> Data {
        let text = try String(contentsOf: Fixture.url("10-access-reviews/\(capture).kubectl-requests.jsonl"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let request = try JSONValue(json: Data(line.utf8))
            guard request["method"] == "POST", let dump = request["body"]?.stringValue else { continue }
            var bytes: [UInt8] = []
            for row in dump.split(separator: "\n") {
                // "00000000  6b 38 73 00 0a 32 0a 17  61 75 ...  |k8s..2..|": the hex sits between the offset and the bars.
                let hex = row.dropFirst(10).prefix { $0 != "|" }
                bytes += hex.split(separator: " ").compactMap { UInt8($0, radix: 16) }
            }
            return Data(bytes)
        }
        throw MissingRecording(capture: capture)
    }
}
