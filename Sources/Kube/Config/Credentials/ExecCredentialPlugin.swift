import Foundation

/// Credentials from an exec plugin (client.authentication.k8s.io v1 and v1beta1), as
/// client-go's plugin/pkg/client/auth/exec does it.
///
/// The plugin's credential is cached until its `expirationTimestamp` (or forever without one)
/// and fetched again after a 401 (`invalidate`). Concurrent `authorize` calls share one run.
public actor ExecCredentialPlugin: CredentialSource, CustomStringConvertible {
    public nonisolated let userName: String
    private let config: ExecPluginConfig
    private let cluster: ExecClusterInfo?
    private let options: CredentialOptions
    private var cached: ExecCredentialOutput?
    private var inFlight: Task<ExecCredentialOutput, Error>?

    /// `config` must have passed `KubeconfigValidation` (command and apiVersion set, v1 has
    /// an interactiveMode); `cluster` is sent only when `provideClusterInfo` is set.
    public init(userName: String, config: ExecPluginConfig, cluster: ExecClusterInfo?,
                options: CredentialOptions = CredentialOptions()) {
        self.userName = userName
        self.config = config
        self.cluster = config.provideClusterInfo ? cluster : nil
        self.options = options
    }

    public func authorize(_ request: inout HTTPRequest) async throws {
        let credential = try await currentCredential()
        if let token = credential.token { request.setHeader("Authorization", "Bearer \(token.value)") }
        if let identity = credential.clientIdentity { request.clientIdentity = identity }
    }

    public func invalidate() async -> Bool {
        cached = nil
        return true
    }

    public nonisolated var description: String {
        "ExecCredentialPlugin(user: \(userName), command: \(config.command), apiVersion: \(config.apiVersion))"
    }

    private func currentCredential() async throws -> ExecCredentialOutput {
        if let cached, !cached.isExpired(at: options.clock()) { return cached }
        // The actor is re-entrant while the plugin runs: later callers wait on the same run.
        if let inFlight { return try await inFlight.value }
        let run = try plannedRun()
        let handoff = run.interactive ? options.terminalHandoff : nil
        let task = Task { () throws -> ExecCredentialOutput in
            guard let handoff else { return try await run.execute() }
            await handoff.releaseTerminal()
            do {
                let credential = try await run.execute()
                await handoff.reclaimTerminal()
                return credential
            } catch {
                await handoff.reclaimTerminal()
                throw error
            }
        }
        inFlight = task
        defer { inFlight = nil }
        let credential = try await task.value
        cached = credential
        return credential
    }

    /// Decides how to run the plugin now: the executable, its environment and whether it may
    /// talk to the user.
    private func plannedRun() throws -> ExecPluginRun {
        let environment = options.environment ?? ProcessInfo.processInfo.environment
        let mode = config.interactiveMode ?? .ifAvailable
        let terminal = options.stdinIsTerminal()
        if mode == .always, !terminal { throw ExecPluginError.needsTerminal(command: config.command) }
        let interactive = mode != .never && terminal
        guard let executable = Self.locate(config.command, path: environment["PATH"]) else {
            throw ExecPluginError.commandNotFound(command: config.command, installHint: config.installHint)
        }
        var childEnvironment = environment
        for variable in config.env { childEnvironment[variable.name] = variable.value.value }
        childEnvironment["KUBERNETES_EXEC_INFO"] = ExecCredentialMessages.request(
            apiVersion: config.apiVersion, interactive: interactive, cluster: cluster)
        let process = ExecPluginProcess(executable: executable, arguments: config.args,
                                        environment: childEnvironment, interactive: interactive,
                                        timeout: interactive ? nil : options.execTimeout)
        return ExecPluginRun(process: process, command: config.command, apiVersion: config.apiVersion,
                             interactive: interactive, timeout: options.execTimeout)
    }

    /// A command with a "/" is a path (made absolute at load); a bare name is searched in PATH.
    static func locate(_ command: String, path: String?) -> String? {
        let files = FileManager.default
        if command.contains("/") { return files.isExecutableFile(atPath: command) ? command : nil }
        for directory in (path ?? "").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(command)"
            if files.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// One planned execution of a plugin and the reading of its answer.
private struct ExecPluginRun: Sendable {
    var process: ExecPluginProcess
    var command: String
    var apiVersion: String
    var interactive: Bool
    var timeout: Duration

    func execute() async throws -> ExecCredentialOutput {
        let outcome: ExecPluginProcess.Outcome
        do {
            outcome = try await process.run()
        } catch {
            throw ExecPluginError.launchFailed(command: command, detail: error.localizedDescription)
        }
        switch outcome {
        case let .exited(status, stdout) where status == 0:
            return try ExecCredentialMessages.parseResponse(stdout, expectedAPIVersion: apiVersion, command: command)
        case let .exited(status, _):
            throw ExecPluginError.exitedWithStatus(command: command, status: status)
        case let .signaled(signal):
            throw ExecPluginError.killedBySignal(command: command, signal: signal)
        case .timedOut:
            throw ExecPluginError.timedOut(command: command, after: timeout)
        }
    }
}
