import ArgumentParser

enum KvdeckVersion {
    static let string = "0.1.0"
}

/// `kvdeck version`: the client's version (and, once connected, the server's).
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print kvdeck's version.")
    func run() async throws {
        print("kvdeck \(KvdeckVersion.string)")
    }
}
