import Kube

/// The one line kubectl prints for a failure, used by the CLI (after which it exits 1) and by the
/// console's footer: "Error from server (NotFound): deployments.apps "x" not found" for the
/// server's refusals, "error: ..." for everything else.
public enum KubectlErrorText {
    public static func line(for error: Error) -> String {
        switch error {
        case let apiError as KubeAPIError:
            let reason = apiError.reason.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
            return "Error from server\(reason): \(apiError.description)"
        case let described as CustomStringConvertible:
            return "error: \(described.description)"
        default:
            return "error: \(error)"
        }
    }
}
