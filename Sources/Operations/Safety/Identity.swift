import Foundation
import Kube
import YAML

/// Who the server says we are (SelfSubjectReview, `kubectl auth whoami`), asked once per runner
/// and kept: the audit log records it beside each change.
actor IdentityCache {
    private let client: KubeClient
    private var known: String??

    init(client: KubeClient) { self.client = client }

    /// The user name, or nil when the server cannot say (no SelfSubjectReview, or an error).
    func userName() async -> String? {
        if let known { return known }
        var name: String?
        if let body = try? JSONValueEncoder().encode(SelfSubjectReview()),
           let answer = try? await client.create(SelfSubjectReview.resourceType, body: body) {
            name = answer["status"]?["userInfo"]?["username"]?.stringValue
        }
        known = .some(name)
        return name
    }
}
