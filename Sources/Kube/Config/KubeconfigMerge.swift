import Foundation
import YAML

extension Kubeconfig {
    /// Merges files in order with client-go's rule: "the first file to set a particular value
    /// or map key wins". A cluster, user or context defined by an earlier file is kept whole;
    /// a later entry of the same name is discarded, fields it alone sets included.
    static func merging(_ configs: [Kubeconfig]) -> Kubeconfig {
        var merged = Kubeconfig()
        for config in configs {
            merged.files += config.files
            if merged.currentContext == nil { merged.currentContext = config.currentContext }
            merged.clusters += config.clusters.filter { merged.cluster(named: $0.name) == nil }
            merged.users += config.users.filter { merged.user(named: $0.name) == nil }
            merged.contexts += config.contexts.filter { merged.context(named: $0.name) == nil }
            for (key, value) in config.preferences.entries where merged.preferences[key] == nil {
                merged.preferences[key] = value
            }
            for (key, value) in config.extensions.entries where merged.extensions[key] == nil {
                merged.extensions[key] = value
            }
        }
        return merged
    }
}
