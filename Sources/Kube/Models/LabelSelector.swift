/// metav1.LabelSelector, as Deployments, ReplicaSets, StatefulSets and PodDisruptionBudgets carry it.
public struct LabelSelector: Codable, Sendable, Hashable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Whether an object with `labels` is selected. An empty selector selects everything, as in
    /// the API; a missing selector (nil) selects nothing, which callers decide for themselves.
    /// An unknown operator selects nothing, so a newer server's selector never widens a view.
    public func matches(labels: [String: String]) -> Bool {
        for (key, value) in matchLabels ?? [:] where labels[key] != value { return false }
        for requirement in matchExpressions ?? [] where !requirement.matches(labels: labels) { return false }
        return true
    }

    /// The selector in the `labelSelector=` query syntax, written as apimachinery writes it
    /// (requirements sorted by key, set values sorted): "app=vllm,tier in (a,b),!canary".
    /// Percent-encoding for the URL is the caller's job.
    public var queryString: String {
        var requirements: [(key: String, text: String)] = []
        for (key, value) in matchLabels ?? [:] { requirements.append((key, "\(key)=\(value)")) }
        for requirement in matchExpressions ?? [] {
            requirements.append((requirement.key, requirement.queryString))
        }
        // Stable by key, so a key in both matchLabels and matchExpressions keeps that order.
        return requirements.enumerated()
            .sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }
            .map(\.element.text)
            .joined(separator: ",")
    }
}

/// One `matchExpressions` entry: `key` `operator` `values`.
public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    /// "In", "NotIn", "Exists" or "DoesNotExist".
    public var `operator`: String
    public var values: [String]?

    public init(key: String, operator: String, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    public func matches(labels: [String: String]) -> Bool {
        let value = labels[key]
        switch `operator` {
        case "In": return value.map { (values ?? []).contains($0) } ?? false
        case "NotIn": return value.map { !(values ?? []).contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        default: return false
        }
    }

    var queryString: String {
        let set = (values ?? []).sorted().joined(separator: ",")
        switch `operator` {
        case "In": return "\(key) in (\(set))"
        case "NotIn": return "\(key) notin (\(set))"
        case "Exists": return key
        case "DoesNotExist": return "!\(key)"
        // An operator this client does not know: pass it on so the server rejects it with a
        // message, rather than widening the selection silently.
        default: return "\(key) \(`operator`.lowercased()) (\(set))"
        }
    }
}
