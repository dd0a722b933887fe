import Foundation
import XCTest
import YAML
@testable import Kube

/// A temporary directory for one test's kubeconfigs, scripts and token files; removed afterwards.
final class KubeconfigScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-kubeconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes text (creating subdirectories) and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path) }
        return file.path
    }

    /// Writes a kubeconfig given as a value tree (as JSON, which is also YAML).
    @discardableResult
    func writeKubeconfig(_ name: String, _ document: JSONValue) throws -> String {
        try write(name, document.jsonString(pretty: true))
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
}

/// A wall clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    func advance(by seconds: TimeInterval) {
        lock.lock(); defer { lock.unlock() }
        current += seconds
    }

    var wallClock: WallClock { { [self] in self.now } }
}

enum KubeconfigFixtures {
    static func cluster(_ name: String, _ fields: JSONObject = ["server": "https://api.example:6443"]) -> JSONValue {
        ["name": .string(name), "cluster": .object(fields)]
    }

    static func user(_ name: String, _ fields: JSONObject) -> JSONValue {
        ["name": .string(name), "user": .object(fields)]
    }

    static func context(_ name: String, cluster: String, user: String, namespace: String? = nil) -> JSONValue {
        var fields: JSONObject = ["cluster": .string(cluster), "user": .string(user)]
        if let namespace { fields["namespace"] = .string(namespace) }
        return ["name": .string(name), "context": .object(fields)]
    }

    static func config(current: String? = nil, clusters: [JSONValue] = [], users: [JSONValue] = [],
                       contexts: [JSONValue] = []) -> JSONValue {
        var top: JSONObject = ["apiVersion": "v1", "kind": "Config"]
        if let current { top["current-context"] = .string(current) }
        top["clusters"] = .array(clusters)
        top["users"] = .array(users)
        top["contexts"] = .array(contexts)
        return .object(top)
    }

    /// One cluster "c", one user "u" with these fields, one context "ctx" (current).
    static func single(user: JSONObject, cluster: JSONObject = ["server": "https://api.example:6443"]) -> JSONValue {
        config(current: "ctx", clusters: [self.cluster("c", cluster)], users: [self.user("u", user)],
               contexts: [context("ctx", cluster: "c", user: "u")])
    }
}

/// Options for tests: a manual clock, no terminal, and a small PATH.
func testCredentialOptions(clock: ManualClock = ManualClock(), path: String = "/usr/bin:/bin",
                           execTimeout: Duration = .seconds(20)) -> CredentialOptions {
    CredentialOptions(clock: clock.wallClock, stdinIsTerminal: { false }, execTimeout: execTimeout,
                      environment: ["PATH": path, "HOME": "/nonexistent"])
}

/// Runs the credential source on a fresh request and returns the request.
func authorized(_ source: any CredentialSource) async throws -> HTTPRequest {
    var request = HTTPRequest(url: URL(string: "https://api.example:6443/api")!)
    try await source.authorize(&request)
    return request
}

/// The error a throwing call produced, as text (fails the test when it did not throw).
func errorText(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> String {
    do {
        try body()
        XCTFail("expected an error", file: file, line: line)
        return ""
    } catch {
        return String(describing: error)
    }
}

func asyncErrorText(file: StaticString = #filePath, line: UInt = #line,
                    _ body: () async throws -> Void) async -> String {
    do {
        try await body()
        XCTFail("expected an error", file: file, line: line)
        return ""
    } catch {
        return String(describing: error)
    }
}

/// Authorizes a request and checks its Authorization header is "Bearer <token>".
func assertBearer(_ source: any CredentialSource, _ token: String,
                  file: StaticString = #filePath, line: UInt = #line) async throws {
    let header = try await authorized(source).header("Authorization")
    XCTAssertEqual(header, "Bearer \(token)", file: file, line: line)
}
