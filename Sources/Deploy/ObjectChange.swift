import Operations
import YAML

/// What applying one rendered object would do, from the server's dry-run answer.
public struct ObjectChange: Sendable {
    public enum Action: String, Sendable {
        case create = "created", update = "configured", none = "unchanged"
    }

    /// "deployment.apps/vllm", as kubectl names objects.
    public var reference: String
    public var action: Action
    /// A unified diff of the live object against the would-be object (Secret values masked); "" when unchanged.
    public var diff: String

    /// Compares `live` (nil when absent) with the dry-run result, both cleaned of server bookkeeping.
    init(reference: String, live: JSONValue?, proposed: JSONValue) {
        self.reference = reference
        let isSecret = proposed["kind"]?.stringValue == "Secret"
        var before = live.map(Self.comparable)
        var after = Self.comparable(proposed)
        if isSecret { (before, after) = Self.maskingSecretData(before, after) }
        let oldText = before.map { YAML.emit($0) } ?? ""
        diff = LineDiff.unified(oldText, YAML.emit(after), oldName: live == nil ? "/dev/null" : "live/\(reference)",
                                newName: "proposed/\(reference)")
        action = live == nil ? .create : (diff.isEmpty ? .none : .update)
    }

    /// The object without what the server writes on every request (managedFields, resourceVersion,
    /// generation, timestamps) and without status, which an apply does not set.
    static func comparable(_ object: JSONValue) -> JSONValue {
        var o = object
        for key in ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"] {
            o["metadata"]?[key] = nil
        }
        o["status"] = nil
        return o
    }

    /// kubectl diff's masking: values never shown; "***" when equal, before/after marks when they differ.
    static func maskingSecretData(_ before: JSONValue?, _ after: JSONValue) -> (JSONValue?, JSONValue) {
        var b = before, a = after
        for field in ["data", "stringData"] {
            let old = before?[field]?.objectValue ?? JSONObject(), new = after[field]?.objectValue ?? JSONObject()
            for key in Set(old.keys).union(new.keys) {
                let same = old[key] == new[key]
                if old[key] != nil { b?[field]?[key] = .string(same ? "***" : "*** (before)") }
                if new[key] != nil { a[field]?[key] = .string(same ? "***" : "*** (after)") }
            }
        }
        return (b, a)
    }
}
