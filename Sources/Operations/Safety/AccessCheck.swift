import Foundation
import Kube
import YAML

/// "May I?" before an operation is offered: a SelfSubjectAccessReview per (verb, resource,
/// subresource, name), as `kubectl auth can-i` sends it. The console greys out what is denied and
/// shows the reason; the runner refuses it before sending.
public struct AccessDecision: Sendable, Equatable {
    public enum Verdict: String, Sendable { case allowed, denied, unknown }
    public var verdict: Verdict
    /// RBAC's reason, or why the question could not be asked.
    public var reason: String?

    public init(verdict: Verdict, reason: String?) {
        self.verdict = verdict
        self.reason = reason
    }

    public var isDenied: Bool { verdict == .denied }
}

public struct AccessCheck: Sendable {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    /// The review kubectl's `auth can-i VERB RESOURCE/NAME --subresource=SUB -n NS` sends.
    public static func review(verb: String, type: ResourceType, subresource: String?, name: String?,
                              namespace: String?) -> SelfSubjectAccessReview {
        SelfSubjectAccessReview(resourceAttributes: .init(
            namespace: namespace, verb: verb, group: type.group, version: nil, resource: type.resource,
            subresource: subresource, name: name))
    }

    /// Asks the server. A server that does not serve access reviews (404) gives `.unknown`: the
    /// write itself will still be refused by the server if RBAC says no.
    public func check(verb: String, type: ResourceType, subresource: String? = nil, name: String? = nil,
                      namespace: String?) async -> AccessDecision {
        do {
            let body = try JSONValueEncoder().encode(
                Self.review(verb: verb, type: type, subresource: subresource, name: name, namespace: namespace))
            let answer = try await client.create(SelfSubjectAccessReview.resourceType, body: body)
            let status = answer["status"]
            let allowed = status?["allowed"]?.boolValue ?? false
            let reason = status?["reason"]?.stringValue ?? status?["evaluationError"]?.stringValue
            return AccessDecision(verdict: allowed ? .allowed : .denied, reason: reason)
        } catch let error as KubeAPIError where error.isNotFound {
            return AccessDecision(verdict: .unknown, reason: "the server does not serve SelfSubjectAccessReview")
        } catch {
            return AccessDecision(verdict: .unknown, reason: "\(error)")
        }
    }

    /// The check for one planned write: PATCH is "patch", PUT is "update", POST is "create"
    /// (asked without a name: a create is allowed or not for the whole collection).
    public func check(_ request: PlannedRequest) async -> AccessDecision {
        await check(verb: request.method.accessVerb, type: request.type, subresource: request.subresource,
                    name: request.method == .post ? nil : request.name, namespace: request.namespace)
    }
}
