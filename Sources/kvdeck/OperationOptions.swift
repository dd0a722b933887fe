import ArgumentParser
import Foundation
import Kube
import Operations
import YAML

/// Flags shared by every changing verb (scale, rollout undo/restart/pause/resume, canary).
struct OperationOptions: ParsableArguments {
    enum DryRun: String, ExpressibleByArgument, CaseIterable {
        /// Send for real.
        case none
        /// Show the exact request and send nothing.
        case client
        /// Send with `?dryRun=All`: the server validates and answers, stores nothing.
        case server
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case json }

    @Option(name: .long, help: "none, client (print the request, send nothing) or server (?dryRun=All).")
    var dryRun: DryRun = .none

    @Option(name: [.short, .long], help: "Output format: json (the result, with the exact requests sent).")
    var output: OutputFormat?

    @Flag(name: .long, help: "Refuse every change (also KVDECK_READ_ONLY=1).")
    var readOnly = false

    @Flag(name: .long, help: "Skip the SelfSubjectAccessReview before each write.")
    var noAccessCheck = false

    @Option(name: .long, help: "Audit log file (default $XDG_STATE_HOME/kvdeck/audit.log or ~/.local/state/kvdeck/audit.log).")
    var auditLog: String?

    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) -> OperationSettings {
        let envReadOnly = OperationSettings.readOnlyRequested(environment: environment)
        return OperationSettings(readOnly: readOnly || envReadOnly, dryRun: dryRun == .server,
                                 checkAccess: !noAccessCheck,
                                 auditLog: AuditLog(url: auditLog.map { URL(fileURLWithPath: $0) }
                                                    ?? AuditLog.defaultURL(environment: environment)))
    }
}

/// Runs a prepared operation the way the flags ask, and prints kubectl's line (or JSON).
enum OperationReport {
    static func run(_ operation: PreparedOperation, runner: OperationRunner, options: OperationOptions) async throws {
        for warning in operation.warnings { Diagnostics.warn(warning) }
        if options.dryRun == .client {
            if options.output == .json {
                let requests: JSONValue = .array(operation.requests.map(\.json))
                print(JSONValue.object(["verb": .string(operation.verb), "target": .string(operation.target),
                                        "outcome": "dry-run", "requests": requests]).jsonString(indentWidth: 4, escapingHTML: true))
            } else if operation.requests.isEmpty {
                print("\(operation.target) \(operation.noOpMessage ?? "unchanged")")
            } else {
                for request in operation.requests { FileHandle.standardError.write(Data((request.displayText + "\n").utf8)) }
                print("\(operation.target) \(operation.successWord) (dry run)")
            }
            return
        }
        let result = try await runner.execute(operation)
        if options.output == .json {
            print(result.json.jsonString(indentWidth: 4, escapingHTML: true))
        } else {
            print(result.message)
        }
    }

    /// Connects and builds the runner, printing the kubeconfig's warnings.
    static func connect(_ cluster: ClusterOptions, _ options: OperationOptions) throws -> (OperationRunner, ClusterConnection) {
        let (client, connection) = try cluster.connect()
        for warning in connection.warnings { Diagnostics.warn(warning) }
        return (OperationRunner(client: client, settings: options.settings()), connection)
    }
}
