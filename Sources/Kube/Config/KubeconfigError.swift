import Foundation

/// Why a kubeconfig could not be loaded or a context could not be resolved.
///
/// Every problem with a field names the file and the field path, e.g.
/// `/home/u/.kube/config: users[2] "alice".user.client-key-data: not valid base64`.
/// Values of fields are never part of the message, so secrets cannot leak through it.
public enum KubeconfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file named by `--kubeconfig` does not exist or cannot be read.
    case fileNotReadable(path: String, detail: String)
    /// None of the candidate files (KUBECONFIG entries or ~/.kube/config) exists.
    case noKubeconfigFound(searched: [String])
    /// The file is not valid YAML, or its top level is not a mapping.
    case unparseable(file: String, detail: String)
    /// A field is of the wrong type, malformed or in conflict with another field.
    case invalidField(file: String, field: String, problem: String)
    /// No `--context` was given and no file sets `current-context`.
    case noCurrentContext(available: [String])
    case contextNotFound(name: String, available: [String])
    /// A context names a cluster or user that no file defines.
    case missingReference(file: String, field: String, kind: String, name: String)
    /// Nothing to find the environment by: neither KUBECONFIG nor HOME is set.
    case noHomeDirectory

    public var description: String {
        switch self {
        case let .fileNotReadable(path, detail):
            return "cannot read kubeconfig \(path): \(detail)"
        case let .noKubeconfigFound(searched):
            return "no kubeconfig found; looked for: \(searched.joined(separator: ", "))"
        case let .unparseable(file, detail):
            return "\(file): not a valid kubeconfig: \(detail)"
        case let .invalidField(file, field, problem):
            return "\(file): \(field): \(problem)"
        case let .noCurrentContext(available):
            return "no current context is set; choose one with --context"
                + Self.listing(available)
        case let .contextNotFound(name, available):
            return "context \"\(name)\" not found in the kubeconfig" + Self.listing(available)
        case let .missingReference(file, field, kind, name):
            return "\(file): \(field): \(kind) \"\(name)\" is not defined in any kubeconfig file"
        case .noHomeDirectory:
            return "cannot find a kubeconfig: neither KUBECONFIG nor HOME is set; use --kubeconfig"
        }
    }

    private static func listing(_ names: [String]) -> String {
        names.isEmpty ? " (the kubeconfig defines no contexts)"
            : " (available: \(names.joined(separator: ", ")))"
    }
}
