import Foundation
import Kube
import YAML

/// Applies rendered templates to a cluster: checks that every kind is served, previews the
/// server's dry-run diff, applies with server-side apply and follows the rollout.
///
/// The CLI (`kvdeck deploy`) runs preview → apply → follow; a console screen can call the same
/// steps one at a time (show the preview, ask, apply, then poll `rollout`).
public struct ClusterDeploy: Sendable {
    public let client: KubeClient
    public var fieldManager: String
    public var forceConflicts: Bool

    public init(client: KubeClient, fieldManager: String = KubeClient.defaultFieldManager, forceConflicts: Bool = false) {
        self.client = client
        self.fieldManager = fieldManager
        self.forceConflicts = forceConflicts
    }

    /// Each object's resource, from discovery. Throws `DeployError.unservedKinds` naming every kind
    /// the cluster lacks (a CRD whose operator is not installed) before anything is written.
    public func resourceTypes(for objects: [JSONValue]) async throws -> [ResourceType] {
        var byGroupVersion: [String: [APIResourceInfo]] = [:]
        var missing: [String] = []
        var types: [ResourceType] = []
        for object in objects {
            let apiVersion = object["apiVersion"]?.stringValue ?? "", kind = object["kind"]?.stringValue ?? ""
            if byGroupVersion[apiVersion] == nil {
                do {
                    byGroupVersion[apiVersion] = try await client.resources(groupVersion: apiVersion)
                } catch let error as KubeAPIError where error.isNotFound {
                    byGroupVersion[apiVersion] = []
                }
            }
            if let type = byGroupVersion[apiVersion]?.first(where: { $0.kind == kind && !$0.name.contains("/") })?
                .resourceType(groupVersion: apiVersion) {
                types.append(type)
            } else if !missing.contains("\(kind) (\(apiVersion))") {
                missing.append("\(kind) (\(apiVersion))")
            }
        }
        if !missing.isEmpty { throw DeployError.unservedKinds(missing) }
        return types
    }

    /// Exactly what `apply` sends, object by object, for a person to confirm: one server-side
    /// apply PATCH each, with its path, field manager and YAML body.
    public func requests(for rendered: RenderedTemplate) async throws -> [ApplyRequest] {
        let types = try await resourceTypes(for: rendered.objects)
        return zip(rendered.objects, types).map { object, type in
            let (name, namespace) = Self.identity(object)
            var query: [(name: String, value: String)] = [("fieldManager", fieldManager), ("fieldValidation", "Strict")]
            if forceConflicts { query.append(("force", "true")) }
            return ApplyRequest(reference: type.objectName(name),
                                path: type.path(namespace: type.namespaced ? namespace : nil, name: name) + "?" + QueryText.encode(query),
                                body: YAML.emit(object))
        }
    }

    /// What applying would change, object by object: the live object (if any) against the server's
    /// dry-run apply, so defaults, admission and conflicts show up as they would for real.
    public func preview(_ rendered: RenderedTemplate) async throws -> [ObjectChange] {
        let types = try await resourceTypes(for: rendered.objects)
        var changes: [ObjectChange] = []
        for (object, type) in zip(rendered.objects, types) {
            let (name, namespace) = Self.identity(object)
            var live: JSONValue?
            do {
                live = try await client.get(type, name: name, namespace: namespace)
            } catch let error as KubeAPIError where error.isNotFound {
                live = nil
            }
            let proposed = try await apply(object, type: type, dryRun: true)
            changes.append(ObjectChange(reference: type.objectName(name), live: live, proposed: proposed))
        }
        return changes
    }

    /// Server-side apply of every object, in order. Returns what the server stored, with each
    /// object's kubectl reference.
    public func apply(_ rendered: RenderedTemplate) async throws -> [(reference: String, object: JSONValue)] {
        let types = try await resourceTypes(for: rendered.objects)
        var applied: [(reference: String, object: JSONValue)] = []
        for (object, type) in zip(rendered.objects, types) {
            let stored = try await apply(object, type: type, dryRun: false)
            applied.append((type.objectName(Self.identity(object).name), stored))
        }
        return applied
    }

    /// The rollout of one applied workload now; nil for kinds without one.
    public func rollout(of object: JSONValue) async throws -> RolloutStatus? {
        guard let kind = object["kind"]?.stringValue, ["Deployment", "StatefulSet"].contains(kind) else { return nil }
        let type = kind == "Deployment" ? Deployment.resourceType : StatefulSet.resourceType
        let (name, namespace) = Self.identity(object)
        let live = try await client.get(type, name: name, namespace: namespace)
        return try RolloutStatus.of(live)
    }

    /// Polls each applied Deployment and StatefulSet until it has rolled out, reporting every new
    /// message (kubectl's words). Throws `RolloutError` on a progress deadline or at `timeout`.
    public func followRollouts(of objects: [JSONValue], timeout: Duration?, interval: Duration = .seconds(1),
                               report: @Sendable (String) -> Void) async throws {
        let start = ContinuousClock.now
        for object in objects {
            var last = ""
            while true {
                guard let status = try await rollout(of: object) else { break }
                if status.message != last {
                    report(status.message)
                    last = status.message
                }
                if status.done { break }
                if let timeout, ContinuousClock.now - start > timeout {
                    throw RolloutError(message: "timed out waiting for the condition (\(Self.identity(object).name): \(status.message))")
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    private func apply(_ object: JSONValue, type: ResourceType, dryRun: Bool) async throws -> JSONValue {
        let (name, namespace) = Self.identity(object)
        return try await client.apply(type, name: name, namespace: type.namespaced ? namespace : nil,
                                      manifest: object.jsonData(), force: forceConflicts, dryRun: dryRun,
                                      fieldManager: fieldManager)
    }

    static func identity(_ object: JSONValue) -> (name: String, namespace: String?) {
        (object["metadata"]?["name"]?.stringValue ?? "", object["metadata"]?["namespace"]?.stringValue)
    }
}

/// One server-side apply request as `ClusterDeploy.apply` sends it.
public struct ApplyRequest: Sendable, Equatable {
    /// "deployment.apps/vllm".
    public var reference: String
    public var method: String { "PATCH" }
    public var contentType: String { "application/apply-patch+yaml" }
    /// Path and query: "/apis/apps/v1/namespaces/NS/deployments/NAME?fieldManager=kvdeck&fieldValidation=Strict".
    public var path: String
    /// The manifest sent (as JSON on the wire), shown as YAML.
    public var body: String
}
