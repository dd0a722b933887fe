import DeployTemplates
import Foundation

/// The templates of a `manifests/` directory: the one built into kvdeck, or another given with `--templates`.
public struct TemplateLibrary: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The `manifests/` directory shipped inside kvdeck (a resource bundle beside the binary).
    public static var bundled: TemplateLibrary { TemplateLibrary(directory: DeployTemplatesBundle.directory) }

    /// Template names: the subdirectories that hold a values.yaml, sorted.
    public var names: [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return entries.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent("values.yaml").path)
        }.sorted()
    }

    public func template(named name: String) throws -> ManifestTemplate {
        try load(name, chain: [])
    }

    private func load(_ name: String, chain: [String]) throws -> ManifestTemplate {
        guard names.contains(name) else {
            if let child = chain.last {
                throw DeployError.templateDefect(template: child, problem: "extends unknown template \(name)")
            }
            throw DeployError.unknownTemplate(name, known: names)
        }
        guard !chain.contains(name) else {
            throw DeployError.templateDefect(template: name, problem: "extends itself: \((chain + [name]).joined(separator: " -> "))")
        }
        return try ManifestTemplate.read(name: name, directory: directory) { try load($0, chain: chain + [name]) }
    }
}
