import Foundation
import KvdeckTestSupport
import LocalCluster
import XCTest
import YAML

enum Fixture {
    static func url(_ path: String) -> URL { SharedFixtures.realAPIServer.appendingPathComponent(path) }
    static func json(_ path: String) throws -> JSONValue { try JSONValue(json: Data(contentsOf: url(path))) }
    static func yaml(_ path: String) throws -> JSONValue { try YAML.parse(String(contentsOf: url(path), encoding: .utf8)) }
    static func data(_ path: String) throws -> Data { try Data(contentsOf: url(path)) }
}

extension LocalAPI {
    func call(_ method: String, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
              body: JSONValue? = nil, rawBody: Data? = nil) async -> ServerResponse {
        let request = ServerRequest(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) },
                                    headers: headers.map { (name: $0.0, value: $0.1) },
                                    body: rawBody ?? body?.jsonData() ?? Data(), user: "kvdeck-admin")
        return await handle(request)
    }

    /// A cluster with namespace `fixtures`.
    static func withNamespace(_ name: String = "fixtures", store: ObjectStore = ObjectStore(), bookmarkInterval: Duration = .seconds(10)) async -> LocalAPI {
        let api = LocalAPI(store: store, bookmarkInterval: bookmarkInterval)
        _ = await api.call("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        return api
    }
}

extension ServerResponse {
    var data: Data {
        if case .data(let d) = body { return d }
        return Data()
    }
    var json: JSONValue { (try? JSONValue(json: data)) ?? .null }
    var text: String { String(decoding: data, as: UTF8.self) }
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Watch events until the stream ends or `count` arrive.
    func events(upTo count: Int = .max) async -> [JSONValue] {
        guard case .stream(let stream) = body else { return [] }
        var events: [JSONValue] = []
        var buffer = Data()
        for await chunk in stream {
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                if let event = try? JSONValue(json: Data(line)) { events.append(event) }
            }
            if events.count >= count { break }
        }
        return events
    }
}

/// Compares a Status body with a recorded one, field by field.
func assertStatus(_ response: ServerResponse, equals fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let recorded = try Fixture.json(fixture)
    let got = response.json
    XCTAssertEqual(response.status, Int(recorded["code"]?.intValue ?? 0), "status code", file: file, line: line)
    for field in ["kind", "apiVersion", "status", "reason", "code", "message", "details"] {
        XCTAssertEqual(got[field], recorded[field], "Status.\(field)", file: file, line: line)
    }
}

/// The recorded deployment manifest, as kubectl create sends it (JSON).
func recordedDeployment() throws -> JSONValue {
    try Fixture.yaml("02-deployment-rollout/vllm-qwen.deployment.yaml")
}
