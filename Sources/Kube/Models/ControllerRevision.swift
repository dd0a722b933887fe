import YAML

/// apps/v1 ControllerRevision: one entry of a StatefulSet's (or DaemonSet's) rollout history.
///
/// `data` is kept whole as a `JSONValue` because it is an opaque patch (for a StatefulSet,
/// `{"spec":{"template":{"$patch":"replace", ...}}}`) that `rollout undo` sends back unchanged;
/// `podTemplate` gives the typed view for showing and diffing revisions.
public struct ControllerRevision: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision",
        namespaced: true)

    public var metadata: ObjectMeta
    /// The revision number; higher is newer. Undo re-stamps an old revision with a new number.
    public var revision: Int64
    public var data: JSONValue?

    /// The pod template stored in `data.spec.template`, or nil when the revision holds none or it
    /// does not decode as one.
    public var podTemplate: PodTemplateSpec? {
        guard case .object(let root)? = data, case .object(let spec)? = root["spec"],
              let template = spec["template"] else { return nil }
        return try? JSONValueDecoder().decode(PodTemplateSpec.self, from: template)
    }

    /// The owning StatefulSet or DaemonSet.
    public var controllerRef: OwnerReference? { metadata.controllerRef }
}
