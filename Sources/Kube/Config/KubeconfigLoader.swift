import Foundation
import YAML

/// What the command line says about the kubeconfig (`--kubeconfig`, `--context`, `--namespace`).
public struct KubeconfigOverrides: Sendable, Equatable {
    /// One file, read alone (no merging); it must exist.
    public var kubeconfigPath: String?
    public var context: String?
    public var namespace: String?

    public init(kubeconfigPath: String? = nil, context: String? = nil, namespace: String? = nil) {
        self.kubeconfigPath = kubeconfigPath
        self.context = context
        self.namespace = namespace
    }
}

/// Finds, reads and merges kubeconfig files the way kubectl does (client-go clientcmd/loader.go),
/// then resolves a context into a `ClusterConnection`.
public struct KubeconfigLoader: Sendable {
    public var overrides: KubeconfigOverrides
    /// Reads `KUBECONFIG` and `HOME`; also the environment exec plugins inherit.
    public var environment: [String: String]

    public init(overrides: KubeconfigOverrides = KubeconfigOverrides(),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.overrides = overrides
        self.environment = environment
    }

    /// The files to read, in merge order: `--kubeconfig` alone; else the `KUBECONFIG` list
    /// (split on ":", empty entries dropped, duplicates dropped); else `~/.kube/config`.
    public func candidateFiles() throws -> [String] {
        if let explicit = overrides.kubeconfigPath, !explicit.isEmpty { return [explicit] }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            let files = list.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
                .filter { seen.insert($0).inserted }
            if !files.isEmpty { return files }
        }
        guard let home = environment["HOME"], !home.isEmpty else { throw KubeconfigError.noHomeDirectory }
        return [URL(fileURLWithPath: home).appendingPathComponent(".kube/config").path]
    }

    /// Reads and merges the candidate files. Missing files are skipped, unless every one is
    /// missing or the single file came from `--kubeconfig`; a file that does not parse is an error.
    public func load() throws -> Kubeconfig {
        let candidates = try candidateFiles()
        let explicit = overrides.kubeconfigPath.map { !$0.isEmpty } ?? false
        var configs: [Kubeconfig] = []
        for file in candidates {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                let exists = FileManager.default.fileExists(atPath: file)
                if explicit || exists {
                    throw KubeconfigError.fileNotReadable(path: file, detail: exists ? "permission denied or not UTF-8 text" : "no such file")
                }
                continue  // client-go ignores missing files in the list
            }
            configs.append(try Self.parse(text, file: file))
        }
        if configs.isEmpty { throw KubeconfigError.noKubeconfigFound(searched: candidates) }
        return Kubeconfig.merging(configs)
    }

    /// Loads and resolves the context the overrides (or `current-context`) select.
    public func resolve(options: CredentialOptions = CredentialOptions()) throws -> ClusterConnection {
        var options = options
        if options.environment == nil { options.environment = environment }
        return try load().resolve(context: overrides.context, namespace: overrides.namespace, options: options)
    }

    /// Parses one file's text into a `Kubeconfig`, with errors naming the file.
    static func parse(_ text: String, file: String) throws -> Kubeconfig {
        let document: JSONValue
        do {
            document = try YAML.parse(text)
        } catch {
            throw KubeconfigError.unparseable(file: file, detail: String(describing: error))
        }
        return try KubeconfigDecoder.decode(document, file: file)
    }
}
