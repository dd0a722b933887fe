import Foundation
import XCTest
import YAML
@testable import Kube

/// Field errors name the file and the field path, and follow client-go's checks.
final class KubeconfigValidationTests: XCTestCase {
    typealias F = KubeconfigFixtures

    private func resolveError(_ document: JSONValue, context: String? = nil) throws -> (file: String, text: String) {
        let dir = try KubeconfigScratchDirectory()
        let file = try dir.writeKubeconfig("config", document)
        let loader = KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: file, context: context), environment: [:])
        let text = errorText { _ = try loader.resolve(options: testCredentialOptions()) }
        return (file, text)
    }

    func testBadBase64NamesFileEntryAndField() throws {
        let document = F.config(users: [F.user("a", [:]), F.user("b", [:]), F.user("alice", ["client-key-data": "not*base64!"])])
        let (file, text) = try resolveError(document)
        XCTAssertEqual(text, "\(file): users[2] \"alice\".user.client-key-data: not valid base64")
    }

    func testWrappedBase64IsAccepted() throws {
        let plain = Data(String(repeating: "x", count: 100).utf8)
        let encoded = plain.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        XCTAssertTrue(encoded.contains("\n"))
        let dir = try KubeconfigScratchDirectory()
        let file = try dir.writeKubeconfig("config", F.single(user: [:], cluster: [
            "server": "https://a", "certificate-authority-data": .string(encoded)]))
        let connection = try KubeconfigLoader(overrides: .init(kubeconfigPath: file), environment: [:])
            .resolve(options: testCredentialOptions())
        XCTAssertEqual(connection.transport.tls.caPEM, plain)
    }

    func testWrongTypesNameTheField() throws {
        let (file, text) = try resolveError(F.config(clusters: [F.cluster("c", ["server": "https://a", "insecure-skip-tls-verify": "yes"])]))
        XCTAssertEqual(text, "\(file): clusters[0] \"c\".cluster.insecure-skip-tls-verify: expected true or false, found a string")
        let (file2, groups) = try resolveError(F.single(user: ["as": "x", "as-groups": ["ok", 3]]))
        XCTAssertEqual(groups, "\(file2): users[0] \"u\".user.as-groups[1]: expected a string, found a number")
        let (_, duplicate) = try resolveError(F.config(users: [F.user("u", [:]), F.user("u", [:])]))
        XCTAssertTrue(duplicate.contains("users[1] \"u\": duplicate name (also defined at users[0])"), duplicate)
        let (_, nameless) = try resolveError(F.config(contexts: [["context": ["cluster": "c"]]]))
        XCTAssertTrue(nameless.contains("contexts[0].name: is required"), nameless)
    }

    func testCAWithInsecureIsRejected() throws {
        let (file, text) = try resolveError(F.single(user: [:], cluster: [
            "server": "https://a", "certificate-authority": "ca.pem", "insecure-skip-tls-verify": true]))
        XCTAssertEqual(text, "\(file): clusters[0] \"c\".cluster.insecure-skip-tls-verify: specifying a root certificates file with the insecure flag is not allowed")
        let (_, data) = try resolveError(F.single(user: [:], cluster: [
            "server": "https://a", "certificate-authority-data": "Q0E=", "insecure-skip-tls-verify": true]))
        XCTAssertTrue(data.contains("insecure flag is not allowed"), data)
    }

    func testProxySchemeMustBeHTTPHTTPSOrSOCKS5() throws {
        let (file, text) = try resolveError(F.single(user: [:], cluster: ["server": "https://a", "proxy-url": "ftp://user:secret@proxy"]))
        XCTAssertEqual(text, "\(file): clusters[0] \"c\".cluster.proxy-url: unsupported scheme \"ftp\", must be http, https, or socks5")
        XCTAssertFalse(text.contains("secret"))
    }

    func testServerMustBeAnHTTPURLWithHost() throws {
        for server: JSONValue in ["ftp://a.example", "not a url", "https://", .null] {
            let (file, text) = try resolveError(F.single(user: [:], cluster: ["server": server]))
            XCTAssertTrue(text.hasPrefix("\(file): clusters[0] \"c\".cluster.server: "), text)
        }
    }

    func testClientCertificateWithoutKeyAndTheReverse() throws {
        let (file, text) = try resolveError(F.single(user: ["client-certificate-data": "Q0VSVA=="]))
        XCTAssertEqual(text, "\(file): users[0] \"u\".user.client-certificate: client-key-data or client-key must be specified for u to use the clientCert authentication method")
        let (_, reverse) = try resolveError(F.single(user: ["client-key": "/tmp/key.pem"]))
        XCTAssertTrue(reverse.contains("user.client-key: client-certificate-data or client-certificate must be specified"), reverse)
        let (_, unreadable) = try resolveError(F.single(user: ["client-certificate": "missing.crt", "client-key-data": "S0VZ"]))
        XCTAssertTrue(unreadable.contains("user.client-certificate: cannot read ") && unreadable.contains("missing.crt: no such file"), unreadable)
    }

    func testTokenAndBasicAuthTogetherIsAnError() throws {
        let (file, text) = try resolveError(F.single(user: ["token": "sekrit-token", "username": "u", "password": "sekrit-pass"]))
        XCTAssertTrue(text.hasPrefix("\(file): users[0] \"u\".user.token: "), text)
        XCTAssertTrue(text.contains("username/password or bearer token may be set, but not both"), text)
        XCTAssertFalse(text.contains("sekrit"))
    }

    func testUnknownContextAndImpersonationWithoutUser() throws {
        let (_, text) = try resolveError(F.single(user: [:]), context: "nope")
        XCTAssertEqual(text, "context \"nope\" not found in the kubeconfig (available: ctx)")
        let (_, groups) = try resolveError(F.single(user: ["as-groups": ["g"]]))
        XCTAssertTrue(groups.contains("user.as: requesting uid, groups or user-extra without impersonating a user"), groups)
    }

    func testExecFieldsAreChecked() throws {
        let (file, v1) = try resolveError(F.single(user: ["exec": ["command": "plugin", "apiVersion": "client.authentication.k8s.io/v1"]]))
        XCTAssertTrue(v1.hasPrefix("\(file): users[0] \"u\".user.exec.interactiveMode: interactiveMode must be specified"), v1)
        let (_, version) = try resolveError(F.single(user: ["exec": ["command": "plugin", "apiVersion": "client.authentication.k8s.io/v1alpha1"]]))
        XCTAssertTrue(version.contains("exec.apiVersion: invalid apiVersion"), version)
        let (_, mode) = try resolveError(F.single(user: ["exec": ["command": "p", "interactiveMode": "Sometimes"]]))
        XCTAssertTrue(mode.contains("exec.interactiveMode: must be one of Never, IfAvailable, Always"), mode)
        let (_, both) = try resolveError(F.single(user: ["exec": ["command": "p", "apiVersion": "client.authentication.k8s.io/v1beta1"],
                                                         "auth-provider": ["name": "oidc"]]))
        XCTAssertTrue(both.contains("authProvider cannot be provided in combination with an exec plugin"), both)
    }

    func testRemovedAuthProviders() throws {
        let (file, gcp) = try resolveError(F.single(user: ["auth-provider": ["name": "gcp", "config": ["access-token": "x"]]]))
        XCTAssertTrue(gcp.hasPrefix("\(file): users[0] \"u\".user.auth-provider.name: The gcp auth plugin has been removed.\nPlease use the \"gke-gcloud-auth-plugin\" kubectl/client-go credential plugin instead."), gcp)
        let (_, azure) = try resolveError(F.single(user: ["auth-provider": ["name": "azure"]]))
        XCTAssertTrue(azure.contains("The azure auth plugin has been removed.") && azure.contains("kubelogin"), azure)
        let (_, other) = try resolveError(F.single(user: ["auth-provider": ["name": "openstack"]]))
        XCTAssertTrue(other.contains("no Auth Provider found for name \"openstack\""), other)
    }
}
