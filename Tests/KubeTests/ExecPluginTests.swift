import Foundation
import XCTest
import YAML
@testable import Kube

/// Exec credential plugins run as real child processes: small shell scripts written here.
final class ExecPluginTests: XCTestCase {
    typealias F = KubeconfigFixtures
    static let v1 = "client.authentication.k8s.io/v1"
    static let v1beta1 = "client.authentication.k8s.io/v1beta1"

    /// A plugin that counts its runs in `count`, saves KUBERNETES_EXEC_INFO to `exec-info.json`,
    /// and prints a token "token-<run>" expiring at the time in `expiry` (when that file exists).
    private func writePlugin(_ dir: KubeconfigScratchDirectory, apiVersion: String = v1, name: String = "bin/plugin",
                             status: String? = nil, exitCode: Int = 0) throws -> String {
        let statusJSON = status ?? #"{"token":"token-$n"$expiry}"#
        return try dir.write(name, """
            #!/bin/sh
            dir='\(dir.url.path)'
            echo run >> "$dir/count"
            n=$(wc -l < "$dir/count" | tr -d ' ')
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info.json"
            printf '%s' "$PLUGIN_SECRET" > "$dir/env-seen"
            expiry=''
            if [ -f "$dir/expiry" ]; then expiry=",\\"expirationTimestamp\\":\\"$(cat "$dir/expiry")\\""; fi
            if [ \(exitCode) -ne 0 ]; then echo "plugin failing on purpose" >&2; exit \(exitCode); fi
            cat <<JSON
            {"apiVersion":"\(apiVersion)","kind":"ExecCredential","status":\(statusJSON)}
            JSON
            """, executable: true)
    }

    private func runs(_ dir: KubeconfigScratchDirectory) -> Int {
        ((try? dir.read("count")) ?? "").split(separator: "\n").count
    }

    private func connection(_ dir: KubeconfigScratchDirectory, exec: JSONObject, clock: ManualClock = ManualClock(),
                            cluster: JSONObject = ["server": "https://api.example:6443"],
                            path: String = "/usr/bin:/bin", execTimeout: Duration = .seconds(20)) throws -> ClusterConnection {
        let file = try dir.writeKubeconfig("kube/config", F.single(user: ["exec": .object(exec)], cluster: cluster))
        return try KubeconfigLoader(overrides: .init(kubeconfigPath: file), environment: [:])
            .resolve(options: testCredentialOptions(clock: clock, path: path, execTimeout: execTimeout))
    }

    func testTokenIsCachedUntilExpiryAndRefetchedAfterInvalidate() async throws {
        let dir = try KubeconfigScratchDirectory()
        _ = try writePlugin(dir)
        let clock = ManualClock()
        try dir.write("expiry", ISO8601DateFormatter().string(from: clock.now + 300))
        // A relative command with a separator is resolved against the kubeconfig's directory.
        let connection = try connection(dir, exec: ["command": "../bin/plugin", "apiVersion": .string(Self.v1),
                                                    "interactiveMode": "IfAvailable"], clock: clock)
        let credentials = connection.credentials

        let first = try await authorized(credentials)
        XCTAssertEqual(first.header("Authorization"), "Bearer token-1")
        XCTAssertNil(first.clientIdentity)
        clock.advance(by: 299)
        try await assertBearer(credentials, "token-1")
        XCTAssertEqual(runs(dir), 1)

        clock.advance(by: 1)  // now at the expiry
        try await assertBearer(credentials, "token-2")
        XCTAssertEqual(runs(dir), 2)

        let retry = await credentials.invalidate()  // the 401 path
        XCTAssertTrue(retry)
        try await assertBearer(credentials, "token-3")
        XCTAssertEqual(runs(dir), 3)
    }

    func testWithoutExpiryTheCredentialIsKeptUntilInvalidated() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try writePlugin(dir, apiVersion: Self.v1beta1)
        let clock = ManualClock()
        // v1beta1 needs no interactiveMode; a bare name is found in PATH.
        let connection = try connection(dir, exec: ["command": "plugin", "apiVersion": .string(Self.v1beta1)], clock: clock,
                                        path: "/nonexistent:\(URL(fileURLWithPath: plugin).deletingLastPathComponent().path):/usr/bin:/bin")
        try await assertBearer(connection.credentials, "token-1")
        clock.advance(by: 86_400 * 365)
        try await assertBearer(connection.credentials, "token-1")
        XCTAssertEqual(runs(dir), 1)
        let info = try JSONValue(json: Data(try dir.read("exec-info.json").utf8))
        XCTAssertEqual(info, ["apiVersion": .string(Self.v1beta1), "kind": "ExecCredential", "spec": ["interactive": false]])
    }

    func testExecInfoCarriesClusterInfoAndEnvironment() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try writePlugin(dir)
        let ca = Data("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n".utf8)
        let connection = try connection(dir, exec: [
            "command": .string(plugin), "apiVersion": .string(Self.v1), "interactiveMode": "Never",
            "provideClusterInfo": true, "env": [["name": "PLUGIN_SECRET", "value": "hush"]], "args": ["--flag"],
        ], cluster: [
            "server": "https://api.example:6443", "certificate-authority-data": .string(ca.base64EncodedString()),
            "tls-server-name": "kube.internal", "proxy-url": "http://proxy:3128",
            "extensions": [["name": "client.authentication.k8s.io/exec", "extension": ["audience": "kvdeck", "n": 2]]],
        ])
        _ = try await authorized(connection.credentials)
        let info = try JSONValue(json: Data(try dir.read("exec-info.json").utf8))
        XCTAssertEqual(info, [
            "apiVersion": .string(Self.v1), "kind": "ExecCredential",
            "spec": ["interactive": false, "cluster": [
                "server": "https://api.example:6443", "certificate-authority-data": .string(ca.base64EncodedString()),
                "tls-server-name": "kube.internal", "proxy-url": "http://proxy:3128",
                "config": ["audience": "kvdeck", "n": 2],
            ]],
        ])
        XCTAssertEqual(try dir.read("env-seen"), "hush")
        XCTAssertFalse(String(describing: connection.credentials).contains("hush"))
    }

    func testCertificateOutputSetsClientIdentity() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try writePlugin(dir, status: #"{"clientCertificateData":"-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n","clientKeyData":"-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n"}"#)
        let connection = try connection(dir, exec: ["command": .string(plugin), "apiVersion": .string(Self.v1), "interactiveMode": "Never"])
        let request = try await authorized(connection.credentials)
        XCTAssertNil(request.header("Authorization"))
        XCTAssertEqual(request.clientIdentity, ClientIdentity(
            certificatePEM: Data("-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n".utf8),
            keyPEM: Data("-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n".utf8)))
    }

    func testConcurrentAuthorizeCallsRunThePluginOnce() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try writePlugin(dir)
        let connection = try connection(dir, exec: ["command": .string(plugin), "apiVersion": .string(Self.v1), "interactiveMode": "Never"])
        let credentials = connection.credentials
        let headers = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<10 { group.addTask { try await authorized(credentials).header("Authorization") } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        XCTAssertEqual(headers, Array(repeating: "Bearer token-1", count: 10))
        XCTAssertEqual(runs(dir), 1)
    }

    func testBadOutputsAreErrors() async throws {
        let dir = try KubeconfigScratchDirectory()
        let mismatch = try writePlugin(dir, apiVersion: Self.v1beta1, name: "mismatch")
        let c1 = try connection(dir, exec: ["command": .string(mismatch), "apiVersion": .string(Self.v1), "interactiveMode": "Never"])
        let text = await asyncErrorText { _ = try await authorized(c1.credentials) }
        XCTAssertTrue(text.contains("apiVersion is \"\(Self.v1beta1)\" but the kubeconfig asks for \"\(Self.v1)\""), text)

        let onlyKey = try writePlugin(dir, name: "only-key", status: #"{"clientKeyData":"secret-key"}"#)
        let c2 = try connection(dir, exec: ["command": .string(onlyKey), "apiVersion": .string(Self.v1), "interactiveMode": "Never"])
        let keyText = await asyncErrorText { _ = try await authorized(c2.credentials) }
        XCTAssertTrue(keyText.contains("only certificate or key, not both") && !keyText.contains("secret-key"), keyText)

        let empty = try writePlugin(dir, name: "empty", status: "{}")
        let c3 = try connection(dir, exec: ["command": .string(empty), "apiVersion": .string(Self.v1), "interactiveMode": "Never"])
        let emptyText = await asyncErrorText { _ = try await authorized(c3.credentials) }
        XCTAssertTrue(emptyText.contains("didn't return a token or cert/key pair"), emptyText)
    }

    func testNonZeroExitMentionsTheStatus() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try writePlugin(dir, exitCode: 3)
        let connection = try connection(dir, exec: ["command": .string(plugin), "apiVersion": .string(Self.v1), "interactiveMode": "Never"])
        let text = await asyncErrorText { _ = try await authorized(connection.credentials) }
        XCTAssertEqual(text, "exec: executable \(plugin) failed with exit code 3")
    }

    func testMissingCommandShowsTheInstallHint() async throws {
        let dir = try KubeconfigScratchDirectory()
        let connection = try connection(dir, exec: ["command": "kvdeck-no-such-plugin", "apiVersion": .string(Self.v1),
                                                    "interactiveMode": "Never", "installHint": "Install it with: brew install thing"])
        let text = await asyncErrorText { _ = try await authorized(connection.credentials) }
        XCTAssertTrue(text.hasPrefix("exec: executable kvdeck-no-such-plugin not found"), text)
        XCTAssertTrue(text.hasSuffix("\n\nInstall it with: brew install thing"), text)
    }

    func testAlwaysInteractiveWithoutTerminalIsAnError() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try writePlugin(dir)
        let connection = try connection(dir, exec: ["command": .string(plugin), "apiVersion": .string(Self.v1), "interactiveMode": "Always"])
        let text = await asyncErrorText { _ = try await authorized(connection.credentials) }
        XCTAssertTrue(text.contains("standard input is not a terminal"), text)
        XCTAssertEqual(runs(dir), 0)
    }

    func testInteractivePluginGetsTheTerminalHandedOver() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try writePlugin(dir)
        let handoff = RecordingHandoff()
        var config = ExecPluginConfig(command: plugin)
        config.apiVersion = Self.v1
        config.interactiveMode = .ifAvailable
        var options = testCredentialOptions()
        options.stdinIsTerminal = { true }
        options.terminalHandoff = handoff
        let source = ExecCredentialPlugin(userName: "u", config: config, cluster: nil, options: options)
        try await assertBearer(source, "token-1")
        let info = try JSONValue(json: Data(try dir.read("exec-info.json").utf8))
        XCTAssertEqual(info["spec"]?["interactive"], true)
        let events = await handoff.events
        XCTAssertEqual(events, ["release", "reclaim"])
    }

    func testSlowNonInteractivePluginIsStopped() async throws {
        let dir = try KubeconfigScratchDirectory()
        let plugin = try dir.write("slow", "#!/bin/sh\nexec sleep 30\n", executable: true)
        let connection = try connection(dir, exec: ["command": .string(plugin), "apiVersion": .string(Self.v1), "interactiveMode": "Never"],
                                        execTimeout: .milliseconds(200))
        let text = await asyncErrorText { _ = try await authorized(connection.credentials) }
        XCTAssertTrue(text.contains("did not finish within") && text.contains("was stopped"), text)
    }
}

private actor RecordingHandoff: TerminalHandoff {
    var events: [String] = []
    func releaseTerminal() async { events.append("release") }
    func reclaimTerminal() async { events.append("reclaim") }
}
