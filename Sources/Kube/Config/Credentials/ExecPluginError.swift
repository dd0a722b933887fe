import Foundation

/// Why an exec credential plugin gave no credential. Messages follow client-go's exec.go
/// where it has one; the plugin's output is never quoted, since it may hold a token.
public enum ExecPluginError: Error, Sendable, Equatable, CustomStringConvertible {
    case commandNotFound(command: String, installHint: String?)
    case launchFailed(command: String, detail: String)
    case exitedWithStatus(command: String, status: Int32)
    case killedBySignal(command: String, signal: Int32)
    case timedOut(command: String, after: Duration)
    /// `interactiveMode: Always` but standard input is not a terminal.
    case needsTerminal(command: String)
    /// The output is not an ExecCredential we can use (no value from it is quoted).
    case invalidOutput(command: String, problem: String)

    public var description: String {
        switch self {
        case let .commandNotFound(command, hint):
            var text = "exec: executable \(command) not found\n\nIt looks like you are trying to use a client-go "
                + "credential plugin that is not installed.\n\nTo learn more about this feature, consult the documentation "
                + "available at:\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins"
            if let hint { text += "\n\n\(hint)" }
            return text
        case let .launchFailed(command, detail):
            return "exec: cannot start \(command): \(detail)"
        case let .exitedWithStatus(command, status):
            return "exec: executable \(command) failed with exit code \(status)"
        case let .killedBySignal(command, signal):
            return "exec: executable \(command) was killed by signal \(signal)"
        case let .timedOut(command, after):
            return "exec: executable \(command) did not finish within \(after) and was stopped"
        case let .needsTerminal(command):
            return "exec: plugin \(command) needs an interactive terminal (interactiveMode: Always), "
                + "but standard input is not a terminal"
        case let .invalidOutput(command, problem):
            return "exec: plugin \(command) returned an unusable ExecCredential: \(problem)"
        }
    }
}
