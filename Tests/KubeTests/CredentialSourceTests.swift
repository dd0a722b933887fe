import Foundation
import XCTest
import YAML
@testable import Kube

/// Token, tokenFile, basic auth, impersonation, oidc, and that no secret is ever printed.
final class CredentialSourceTests: XCTestCase {
    typealias F = KubeconfigFixtures

    private func resolve(_ dir: KubeconfigScratchDirectory, user: JSONObject, clock: ManualClock = ManualClock()) throws -> ClusterConnection {
        let file = try dir.writeKubeconfig("config", F.single(user: user))
        return try KubeconfigLoader(overrides: .init(kubeconfigPath: file), environment: [:])
            .resolve(options: testCredentialOptions(clock: clock))
    }

    func testStaticTokenAndBasicAuth() async throws {
        let dir = try KubeconfigScratchDirectory()
        try await assertBearer(try resolve(dir, user: ["token": "static-token"]).credentials, "static-token")
        let basic = try await authorized(try resolve(dir, user: ["username": "admin", "password": "pa:ss"]).credentials)
        XCTAssertEqual(basic.header("Authorization"), "Basic " + Data("admin:pa:ss".utf8).base64EncodedString())
    }

    func testTokenFileIsReadAtFirstUseAndReReadAfterInvalidateOrWhenOld() async throws {
        let dir = try KubeconfigScratchDirectory()
        try dir.write("token", "first\n")
        let clock = ManualClock()
        // tokenFile is relative to the kubeconfig; with both set, the file wins.
        let credentials = try resolve(dir, user: ["tokenFile": "token", "token": "inline"], clock: clock).credentials
        try await assertBearer(credentials, "first")
        try dir.write("token", "second")
        clock.advance(by: 59)
        try await assertBearer(credentials, "first")  // still fresh
        let retry = await credentials.invalidate()
        XCTAssertTrue(retry)
        try await assertBearer(credentials, "second")
        try dir.write("token", "third")
        clock.advance(by: 60)
        try await assertBearer(credentials, "third")  // older than 60 s
        // A failed read keeps the last good token.
        try FileManager.default.removeItem(atPath: dir.path("token"))
        _ = await credentials.invalidate()
        try await assertBearer(credentials, "third")
    }

    func testTokenFileFallsBackToInlineTokenThenErrors() async throws {
        let dir = try KubeconfigScratchDirectory()
        let withFallback = try resolve(dir, user: ["tokenFile": "absent", "token": "inline"]).credentials
        try await assertBearer(withFallback, "inline")
        let without = try resolve(dir, user: ["tokenFile": "absent"]).credentials
        let text = await asyncErrorText { _ = try await authorized(without) }
        XCTAssertEqual(text, "cannot read the bearer token from tokenFile \(dir.path("absent")): no such file")
    }

    func testImpersonationHeaders() async throws {
        let dir = try KubeconfigScratchDirectory()
        let connection = try resolve(dir, user: [
            "token": "t", "as": "jane", "as-uid": "42", "as-groups": ["devs", "ops"],
            "as-user-extra": ["scopes": ["view", "edit"], "example.com/team%1": ["a b"]],
        ])
        let request = try await authorized(connection.credentials)
        XCTAssertEqual(request.headers.map { "\($0.name): \($0.value)" }, [
            "Authorization: Bearer t",
            "Impersonate-User: jane",
            "Impersonate-Uid: 42",
            "Impersonate-Group: devs",
            "Impersonate-Group: ops",
            "Impersonate-Extra-scopes: view",
            "Impersonate-Extra-scopes: edit",
            "Impersonate-Extra-example.com%2Fteam%251: a b",
        ])
    }

    func testOIDCSendsIDTokenAndRejectsAnExpiredOne() async throws {
        let dir = try KubeconfigScratchDirectory()
        let clock = ManualClock()
        let fresh = Self.unsignedJWT(exp: clock.now.timeIntervalSince1970 + 600)
        let valid = try resolve(dir, user: ["auth-provider": ["name": "oidc", "config": [
            "id-token": .string(fresh), "refresh-token": "refresh-secret", "client-secret": "client-secret"]]], clock: clock)
        try await assertBearer(valid.credentials, fresh)

        let stale = Self.unsignedJWT(exp: clock.now.timeIntervalSince1970 - 1)
        let expired = try resolve(dir, user: ["auth-provider": ["name": "oidc", "config": ["id-token": .string(stale)]]], clock: clock)
        let text = await asyncErrorText { _ = try await authorized(expired.credentials) }
        XCTAssertTrue(text.contains("oidc id-token of user \"u\" expired") && text.contains("log in again"), text)
        XCTAssertFalse(text.contains(stale))
        let retry = await expired.credentials.invalidate()
        XCTAssertFalse(retry)
    }

    func testSecretsNeverAppearInDescriptions() async throws {
        let dir = try KubeconfigScratchDirectory()
        let secrets = ["tok-SECRET-1", "pw-SECRET-2", "KEY-SECRET-3", "idt-SECRET-4", "env-SECRET-5"]
        let keyData = Data(secrets[2].utf8).base64EncodedString()
        let file = try dir.writeKubeconfig("config", F.config(
            current: "a",
            clusters: [F.cluster("c")],
            users: [F.user("token", ["token": .string(secrets[0])]),
                    F.user("basic", ["username": "me", "password": .string(secrets[1]),
                                     "client-certificate-data": "Q0VSVA==", "client-key-data": .string(keyData)]),
                    F.user("oidc", ["auth-provider": ["name": "oidc", "config": ["id-token": .string(secrets[3])]]]),
                    F.user("exec", ["exec": ["command": "p", "apiVersion": "client.authentication.k8s.io/v1beta1",
                                             "env": [["name": "X", "value": .string(secrets[4])]]]])],
            contexts: [F.context("a", cluster: "c", user: "token"), F.context("b", cluster: "c", user: "basic"),
                       F.context("o", cluster: "c", user: "oidc"), F.context("e", cluster: "c", user: "exec")]))
        let config = try KubeconfigLoader(overrides: .init(kubeconfigPath: file), environment: [:]).load()
        var printed = [String(describing: config), String(reflecting: config)]
        var dumped = ""
        dump(config, to: &dumped)
        printed.append(dumped)
        for user in config.users { printed += [String(describing: user), String(reflecting: user)] }
        for context in ["a", "b", "o", "e"] {
            let connection = try config.resolve(context: context, options: testCredentialOptions())
            printed += [String(describing: connection), String(describing: connection.credentials)]
        }
        printed.append(String(describing: try XCTUnwrap(config.user(named: "basic"))))
        for text in printed {
            for secret in secrets { XCTAssertFalse(text.contains(secret), "\(secret) leaked") }
        }
        XCTAssertTrue(printed.joined().contains("<redacted>"))
    }

    /// A JWT with header {"alg":"none"} and the given exp claim (base64url, no padding).
    static func unsignedJWT(exp: TimeInterval) -> String {
        func part(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return part(#"{"alg":"none","typ":"JWT"}"#) + "." + part(#"{"sub":"jane","exp":\#(Int(exp))}"#) + "."
    }
}
