import ArgumentParser
import Foundation
import Kube

enum KvdeckVersion {
    static let string = "0.1.0"
}

/// `kvdeck version`: the client's version and, unless --client, the server's.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version",
                                                    abstract: "Print kvdeck's version and the cluster's.")

    @Flag(name: .long, help: "Only the client version; do not contact the cluster.")
    var client = false

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        print("Client Version: kvdeck \(KvdeckVersion.string)")
        guard !client else { return }
        do {
            let (kube, _) = try cluster.connect()
            let server = try await kube.serverVersion()
            print("Server Version: \(server.gitVersion)")
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
