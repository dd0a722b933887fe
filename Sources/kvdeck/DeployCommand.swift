import ArgumentParser
import Deploy
import Foundation
import Kube
import YAML

/// `kvdeck deploy`: a template of manifests/ rendered with parameters, the server's diff, a
/// server-side apply (fieldManager=kvdeck) and the rollout followed as `kubectl rollout status` does.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a vLLM template: render it, show the server's diff, apply it and follow the rollout.",
        discussion: """
        Templates and their parameters: kvdeck deploy --list (manifests/README.md describes them). \
        -o yaml (or json) only renders, for -n NAMESPACE or "default", and needs no cluster. \
        Otherwise every object is first applied with dryRun=All and the diff against the live \
        objects printed; --dry-run stops there. Then the objects are applied server-side with \
        field manager kvdeck and each Deployment and StatefulSet is followed until it has rolled out.
        """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case yaml, json
    }

    @Argument(help: "The template (see --list).")
    var template: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a parameter, e.g. --set gpus=4 (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Option(name: [.short, .long], help: "Print the rendered manifests (yaml or json) and stop; nothing is sent.")
    var output: OutputFormat?

    @Flag(name: .long, help: "Show the server's diff (dryRun=All) and apply nothing.")
    var dryRun = false

    @Flag(name: .long, help: "List the templates and their parameters (of TEMPLATE only, when given).")
    var list = false

    @Option(name: .long, help: ArgumentHelp("Use the templates in this directory instead of the built-in ones.", valueName: "dir"))
    var templates: String?

    @Flag(name: .long, help: "Take over fields another field manager owns (server-side apply force).")
    var forceConflicts = false

    @Option(name: .long, help: "Seconds to wait for the rollout; 0 waits forever.")
    var timeout: Int = 1800

    @Flag(name: .long, help: "Apply and return without following the rollout.")
    var noWait = false

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        if template == nil && !list { throw ValidationError("name a template, or use --list to see them") }
        if timeout < 0 { throw ValidationError("--timeout must be 0 or more seconds") }
        if output != nil && dryRun { throw ValidationError("-o renders only; --dry-run asks the server: choose one") }
    }

    func run() async throws {
        do {
            let library = templates.map { TemplateLibrary(directory: URL(fileURLWithPath: $0)) } ?? .bundled
            if list {
                Self.write(try listing(library))
                return
            }
            let chosen = try library.template(named: template ?? "")
            if let output {
                let rendered = try ManifestRenderer.render(chosen, settings: settings, namespace: cluster.namespace ?? "default")
                Self.write(render(rendered, as: output))
                return
            }
            try await deploy(chosen)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    private func deploy(_ chosen: ManifestTemplate) async throws {
        // Parameters are checked before connecting: a typo should not wait for a cluster.
        _ = try ManifestRenderer.values(for: chosen, settings: settings)
        let (client, connection) = try cluster.connect()
        for warning in connection.warnings { Diagnostics.warn(warning) }
        let rendered = try ManifestRenderer.render(chosen, settings: settings, namespace: connection.namespace)
        let deployer = ClusterDeploy(client: client, forceConflicts: forceConflicts)

        let changes = try await deployer.preview(rendered)
        for change in changes where !change.diff.isEmpty { Self.write(change.diff) }
        for change in changes { Self.write("\(change.reference) \(change.action.rawValue) (server dry run)\n") }
        if dryRun { return }

        let applied = try await deployer.apply(rendered)
        for (reference, _) in applied { Self.write("\(reference) serverside-applied\n") }
        if noWait { return }
        try await deployer.followRollouts(of: rendered.objects, timeout: timeout == 0 ? nil : .seconds(timeout)) { line in
            Self.write(line + "\n")
        }
    }

    /// Unbuffered, so progress lines appear as they happen and in order with everything before them.
    private static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    private func render(_ rendered: RenderedTemplate, as format: OutputFormat) -> String {
        switch format {
        case .yaml:
            return rendered.yaml
        case .json:
            let list: JSONValue = ["apiVersion": "v1", "kind": "List", "items": .array(rendered.objects)]
            return list.jsonString(indentWidth: 4, escapingHTML: false) + "\n"
        }
    }

    /// Each template with its description and a parameter table (defaults of secrets hidden).
    private func listing(_ library: TemplateLibrary) throws -> String {
        let names = try template.map { name in [try library.template(named: name).name] } ?? library.names
        var out = ""
        for name in names {
            let t = try library.template(named: name)
            out += "\(t.name)\n  \(t.description)\n"
            var rows = [["  PARAMETER", "TYPE", "DEFAULT", "DESCRIPTION"]]
            for p in t.parameters {
                let allowed = p.allowed.map { " One of: \($0.joined(separator: ", "))." } ?? ""
                rows.append(["  " + p.name, p.kind.rawValue, p.defaultText.isEmpty ? "\"\"" : p.defaultText, p.description + allowed])
            }
            out += KubectlTabWriter.format(rows)
            for rule in t.rules { out += "  rule: \(rule.expression)\n" }
            out += "\n"
        }
        return out
    }
}
