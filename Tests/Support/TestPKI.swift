import Foundation
import Kube

/// A throwaway PKI made with the `openssl` CLI in a temporary directory: a CA, a server
/// certificate for 127.0.0.1 and kube.test, two client certificates signed by the CA, and an
/// unrelated second CA. EC P-256 keys, because they are quick to make.
public struct TestPKI: Sendable {
    public let directory: URL
    public let caPEM: Data
    public let otherCAPEM: Data
    public let serverCertPath: String
    public let serverKeyPath: String
    public let caPath: String
    /// CN=test-admin, O=system:masters.
    public let admin: ClientIdentity
    /// CN=test-viewer, O=viewers.
    public let viewer: ClientIdentity

    public struct CommandFailed: Error, CustomStringConvertible {
        public var description: String
    }

    public static func make() throws -> TestPKI {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kvdeck-pki-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = directory
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CommandFailed(description: "openssl \(arguments.first ?? "") failed: \(String(decoding: message, as: UTF8.self))")
            }
        }
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        func makeCA(_ name: String, subject: String) throws {
            try openssl(["req", "-x509"] + newKey + ["-keyout", "\(name).key", "-out", "\(name).crt", "-days", "2",
                         "-subj", subject,
                         "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        func makeLeaf(_ name: String, subject: String, extensions: String) throws {
            try openssl(["req"] + newKey + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                         "-CAcreateserial", "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext"])
        }
        try makeCA("ca", subject: "/CN=kvdeck-test-ca")
        try makeCA("other-ca", subject: "/CN=unrelated-ca")
        try makeLeaf("server", subject: "/CN=kube-apiserver",
                     extensions: "subjectAltName=IP:127.0.0.1,DNS:kube.test\nextendedKeyUsage=serverAuth\n")
        try makeLeaf("admin", subject: "/O=system:masters/CN=test-admin", extensions: "extendedKeyUsage=clientAuth\n")
        try makeLeaf("viewer", subject: "/O=viewers/CN=test-viewer", extensions: "extendedKeyUsage=clientAuth\n")

        func read(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }
        return TestPKI(
            directory: directory,
            caPEM: try read("ca.crt"),
            otherCAPEM: try read("other-ca.crt"),
            serverCertPath: path("server.crt"),
            serverKeyPath: path("server.key"),
            caPath: path("ca.crt"),
            admin: ClientIdentity(certificatePEM: try read("admin.crt"), keyPEM: try read("admin.key")),
            viewer: ClientIdentity(certificatePEM: try read("viewer.crt"), keyPEM: try read("viewer.key")))
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
