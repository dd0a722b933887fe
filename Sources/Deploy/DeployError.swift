/// Why a template could not be listed, rendered or deployed, in words a person can act on.
/// Values of secret parameters never appear in these messages.
public enum DeployError: Error, CustomStringConvertible, Sendable, Equatable {
    case unknownTemplate(String, known: [String])
    case unknownParameter(String, template: String, known: [String])
    /// `--set` text that is not `key=value`.
    case malformedSetting(String)
    case invalidValue(parameter: String, reason: String)
    /// A cross-parameter rule from the template's values.yaml does not hold.
    case ruleFailed(template: String, rule: String, message: String)
    /// The template itself is wrong (a bad values.yaml, an unknown placeholder): a bug in manifests/.
    case templateDefect(template: String, problem: String)
    /// The cluster does not serve a kind the rendered manifests need; nothing was applied.
    case unservedKinds([String])

    public var description: String {
        switch self {
        case let .unknownTemplate(name, known):
            return "unknown template \"\(name)\"; templates: \(known.joined(separator: ", "))"
        case let .unknownParameter(name, template, known):
            return "template \(template) has no parameter \"\(name)\"; its parameters: \(known.joined(separator: ", "))"
        case let .malformedSetting(text):
            return "--set expects key=value, got \"\(text)\""
        case let .invalidValue(parameter, reason):
            return "invalid value for \(parameter): \(reason)"
        case let .ruleFailed(template, rule, message):
            return "\(template): \(message) (rule: \(rule))"
        case let .templateDefect(template, problem):
            return "template \(template) is broken: \(problem)"
        case let .unservedKinds(kinds):
            return "the cluster does not serve \(kinds.joined(separator: ", ")); nothing was applied "
                + "(install the operator that owns it, or choose parameters that leave it out)"
        }
    }
}
