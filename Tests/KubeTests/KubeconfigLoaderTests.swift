import Foundation
import XCTest
import YAML
@testable import Kube

/// File discovery, merge rules and context resolution (client-go loader.go / client_config.go).
final class KubeconfigLoaderTests: XCTestCase {
    typealias F = KubeconfigFixtures

    private func loader(_ dir: KubeconfigScratchDirectory, kubeconfig: String? = nil, files: [String]? = nil,
                        context: String? = nil, namespace: String? = nil) -> KubeconfigLoader {
        var environment = ["HOME": dir.path("home")]
        if let files { environment["KUBECONFIG"] = files.joined(separator: ":") }
        return KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: kubeconfig, context: context,
                                                              namespace: namespace),
                                environment: environment)
    }

    func testFirstFileWinsForCurrentContextAndWholeEntries() throws {
        let dir = try KubeconfigScratchDirectory()
        try dir.write("one/alice.crt", "CERT-ONE")
        try dir.write("one/alice.key", "KEY-ONE")
        try dir.write("two/bob.crt", "CERT-TWO")
        try dir.write("two/bob.key", "KEY-TWO")
        let first = try dir.writeKubeconfig("one/config", F.config(
            current: "first",
            clusters: [F.cluster("shared", ["server": "https://one.example"])],
            users: [F.user("alice", ["client-certificate": "alice.crt", "client-key": "alice.key"])],
            contexts: [F.context("first", cluster: "shared", user: "alice", namespace: "ns-one")]))
        let second = try dir.writeKubeconfig("two/config", F.config(
            current: "second",
            clusters: [F.cluster("shared", ["server": "https://two.example", "proxy-url": "http://proxy:3128"]),
                       F.cluster("only-two", ["server": "https://only-two.example"])],
            users: [F.user("alice", ["client-certificate": "bob.crt", "client-key": "bob.key", "token": "later-token"]),
                    F.user("bob", ["client-certificate": "bob.crt", "client-key": "bob.key"])],
            contexts: [F.context("first", cluster: "only-two", user: "bob"),
                       F.context("second", cluster: "only-two", user: "bob")]))
        let third = try dir.writeKubeconfig("three/config", F.config(
            contexts: [F.context("third", cluster: "shared", user: "bob")]))

        let config = try loader(dir, files: [first, second, third]).load()
        XCTAssertEqual(config.currentContext, "first")
        XCTAssertEqual(config.contextNames, ["first", "second", "third"])
        XCTAssertEqual(config.files, [first, second, third])
        // The later "shared" cluster is discarded whole, proxy-url included.
        XCTAssertEqual(config.cluster(named: "shared")?.server, "https://one.example")
        XCTAssertNil(config.cluster(named: "shared")?.proxyURL)
        // The later "alice" is discarded whole: no token from file two.
        let alice = try XCTUnwrap(config.user(named: "alice"))
        XCTAssertNil(alice.token)
        XCTAssertEqual(alice.clientCertificate, dir.path("one/alice.crt"))
        // Relative paths resolve against the file that named them.
        XCTAssertEqual(config.user(named: "bob")?.clientCertificate, dir.path("two/bob.crt"))
        XCTAssertEqual(config.context(named: "first")?.cluster, "shared")

        let connection = try config.resolve(options: testCredentialOptions())
        XCTAssertEqual(connection.server.absoluteString, "https://one.example")
        XCTAssertEqual(connection.transport.tls.clientIdentity,
                       ClientIdentity(certificatePEM: Data("CERT-ONE".utf8), keyPEM: Data("KEY-ONE".utf8)))
        XCTAssertEqual(connection.namespace, "ns-one")
        XCTAssertEqual(connection.contextName, "first")
        XCTAssertEqual(connection.clusterName, "shared")
        XCTAssertEqual(connection.userName, "alice")
        XCTAssertTrue(connection.credentials is NoCredentials)

        let third_ = try config.resolve(context: "third", options: testCredentialOptions())
        XCTAssertEqual(third_.transport.tls.clientIdentity?.certificatePEM, Data("CERT-TWO".utf8))
        XCTAssertEqual(third_.namespace, "default")
    }

    func testKubeconfigListSkipsMissingAndDuplicateAndEmptyEntries() throws {
        let dir = try KubeconfigScratchDirectory()
        let real = try dir.writeKubeconfig("a", F.single(user: [:]))
        let missing = dir.path("missing")
        let loader = loader(dir, files: [missing, real, "", real])
        XCTAssertEqual(try loader.candidateFiles(), [missing, real])
        XCTAssertEqual(try loader.load().files, [real])
    }

    func testAllMissingFilesIsAnErrorListingThem() throws {
        let dir = try KubeconfigScratchDirectory()
        let text = errorText { _ = try loader(dir, files: [dir.path("x"), dir.path("y")]).load() }
        XCTAssertTrue(text.contains("no kubeconfig found"), text)
        XCTAssertTrue(text.contains(dir.path("x")) && text.contains(dir.path("y")), text)
    }

    func testDefaultsToHomeKubeConfig() throws {
        let dir = try KubeconfigScratchDirectory()
        let file = try dir.writeKubeconfig("home/.kube/config", F.single(user: ["token": "t"]))
        let config = try loader(dir).load()
        XCTAssertEqual(config.files, [file])
        let text = errorText { _ = try KubeconfigLoader(environment: [:]).load() }
        XCTAssertTrue(text.contains("HOME"), text)
    }

    func testUnparseableFileIsAnErrorNamingIt() throws {
        let dir = try KubeconfigScratchDirectory()
        let good = try dir.writeKubeconfig("good", F.single(user: [:]))
        let bad = try dir.write("bad", "{ \"clusters\": [ ")
        let text = errorText { _ = try loader(dir, files: [good, bad]).load() }
        XCTAssertTrue(text.hasPrefix(bad + ":"), text)
        let notMapping = try dir.write("list", "[1, 2]")
        XCTAssertTrue(errorText { _ = try loader(dir, files: [notMapping]).load() }.contains(notMapping))
    }

    func testExplicitKubeconfigIsReadAloneAndMustExist() throws {
        let dir = try KubeconfigScratchDirectory()
        let listed = try dir.writeKubeconfig("listed", F.config(current: "listed-ctx",
            clusters: [F.cluster("lc")], contexts: [F.context("listed-ctx", cluster: "lc", user: "")]))
        let explicit = try dir.writeKubeconfig("explicit", F.single(user: [:]))
        let config = try loader(dir, kubeconfig: explicit, files: [listed]).load()
        XCTAssertEqual(config.files, [explicit])
        XCTAssertEqual(config.contextNames, ["ctx"])
        let text = errorText { _ = try loader(dir, kubeconfig: dir.path("nope"), files: [listed]).load() }
        XCTAssertTrue(text.contains(dir.path("nope")) && text.contains("no such file"), text)
    }

    func testContextAndNamespaceOverrides() throws {
        let dir = try KubeconfigScratchDirectory()
        let file = try dir.writeKubeconfig("config", F.config(
            current: "a",
            clusters: [F.cluster("ca", ["server": "https://a.example"]), F.cluster("cb", ["server": "http://b.example:8080/prefix"])],
            users: [F.user("u", ["token": "t"])],
            contexts: [F.context("a", cluster: "ca", user: "u", namespace: "from-context"),
                       F.context("b", cluster: "cb", user: "u")]))
        let plain = try loader(dir, files: [file]).resolve(options: testCredentialOptions())
        XCTAssertEqual(plain.contextName, "a")
        XCTAssertEqual(plain.namespace, "from-context")

        let overridden = try loader(dir, files: [file], context: "b", namespace: "flag-ns").resolve(options: testCredentialOptions())
        XCTAssertEqual(overridden.contextName, "b")
        XCTAssertEqual(overridden.server.absoluteString, "http://b.example:8080/prefix")
        XCTAssertEqual(overridden.namespace, "flag-ns")
        XCTAssertEqual(try loader(dir, files: [file], context: "b").resolve(options: testCredentialOptions()).namespace,
                       "default")
        XCTAssertEqual(try loader(dir, files: [file], namespace: "flag-ns").resolve(options: testCredentialOptions()).namespace,
                       "flag-ns")
    }

    func testContextErrorsListWhatExists() throws {
        let dir = try KubeconfigScratchDirectory()
        let file = try dir.writeKubeconfig("config", F.config(
            clusters: [F.cluster("c")],
            contexts: [F.context("alpha", cluster: "c", user: ""), F.context("beta", cluster: "gone", user: ""),
                       F.context("gamma", cluster: "c", user: "ghost")]))
        let none = errorText { _ = try loader(dir, files: [file]).resolve() }
        XCTAssertTrue(none.contains("no current context") && none.contains("alpha, beta, gamma"), none)
        let unknown = errorText { _ = try loader(dir, files: [file], context: "delta").resolve() }
        XCTAssertTrue(unknown.contains("context \"delta\" not found") && unknown.contains("alpha, beta, gamma"), unknown)
        let cluster = errorText { _ = try loader(dir, files: [file], context: "beta").resolve() }
        XCTAssertEqual(cluster, "\(file): contexts[1] \"beta\".context.cluster: cluster \"gone\" is not defined in any kubeconfig file")
        let user = errorText { _ = try loader(dir, files: [file], context: "gamma").resolve() }
        XCTAssertTrue(user.contains("contexts[2] \"gamma\".context.user: user \"ghost\""), user)
        // A context without a user is anonymous.
        let anonymous = try loader(dir, files: [file], context: "alpha").resolve(options: testCredentialOptions())
        XCTAssertTrue(anonymous.credentials is NoCredentials)
    }

    func testAllClusterFieldsReachTheConnection() throws {
        let dir = try KubeconfigScratchDirectory()
        let caData = Data("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n".utf8)
        try dir.write("certs/ca.pem", "FILE-CA")
        let file = try dir.writeKubeconfig("config", F.config(
            current: "x",
            clusters: [F.cluster("data", ["server": "https://10.0.0.1:6443", "certificate-authority": "certs/ca.pem",
                                          "certificate-authority-data": .string(caData.base64EncodedString()),
                                          "tls-server-name": "kubernetes.default", "proxy-url": "socks5://proxy:1080",
                                          "disable-compression": true,
                                          "extensions": [["name": "client.authentication.k8s.io/exec",
                                                          "extension": ["audience": "kvdeck"]]]]),
                       F.cluster("path", ["server": "https://p.example", "certificate-authority": "certs/ca.pem"]),
                       F.cluster("insecure", ["server": "https://i.example", "insecure-skip-tls-verify": true])],
            contexts: [F.context("x", cluster: "data", user: ""), F.context("p", cluster: "path", user: ""),
                       F.context("i", cluster: "insecure", user: "")]))
        let config = try loader(dir, files: [file]).load()
        XCTAssertEqual(config.cluster(named: "data")?.extensions["client.authentication.k8s.io/exec"], ["audience": "kvdeck"])
        let x = try config.resolve(options: testCredentialOptions())
        XCTAssertEqual(x.transport.tls.caPEM, caData)  // -data overrides the path
        XCTAssertEqual(x.transport.tls.serverName, "kubernetes.default")
        XCTAssertEqual(x.transport.proxyURL?.absoluteString, "socks5://proxy:1080")
        XCTAssertTrue(x.transport.disableCompression)
        XCTAssertFalse(x.transport.tls.insecureSkipVerify)
        XCTAssertEqual(x.warnings, [])
        XCTAssertEqual(try config.resolve(context: "p", options: testCredentialOptions()).transport.tls.caPEM, Data("FILE-CA".utf8))
        let insecure = try config.resolve(context: "i", options: testCredentialOptions())
        XCTAssertTrue(insecure.transport.tls.insecureSkipVerify)
        XCTAssertEqual(insecure.warnings,
                       ["insecure-skip-tls-verify is set for cluster insecure: the server's certificate is not checked"])
    }

    func testPreferencesAndExtensionsMergeFirstKeyWins() throws {
        let dir = try KubeconfigScratchDirectory()
        let a = try dir.write("a", #"{"preferences": {"colors": true}, "extensions": [{"name": "e1", "extension": 1}]}"#)
        let b = try dir.write("b", #"{"preferences": {"colors": false, "extra": "x"}, "extensions": [{"name": "e1", "extension": 2}, {"name": "e2", "extension": 3}]}"#)
        let config = try loader(dir, files: [a, b]).load()
        XCTAssertEqual(config.preferences, ["colors": true, "extra": "x"])
        XCTAssertEqual(config.extensions, ["e1": 1, "e2": 3])
    }
}
