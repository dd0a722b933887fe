import Foundation
import YAML

/// Pod templates as kubectl handles them: compared ignoring `pod-template-hash`, and written the
/// way kubectl's Go structs write them back (so a rollback patch is byte for byte kubectl's).
public enum PodTemplateJSON {
    static let hashLabel = "pod-template-hash"

    /// The template without the hash label (an empty label map is dropped, as Go's omitempty does).
    public static func withoutHash(_ template: JSONValue) -> JSONValue {
        var template = template
        guard case .object(var labels)? = template["metadata"]?["labels"] else { return template }
        labels[hashLabel] = nil
        template["metadata"]?["labels"] = labels.isEmpty ? nil : .object(labels)
        return template
    }

    /// equalIgnoreHash: semantic equality with the hash label removed from both sides; empty and
    /// missing maps and lists count as equal (apimachinery's semantic DeepEqual).
    static func equalIgnoringHash(_ a: JSONValue, _ b: JSONValue) -> Bool {
        normalized(withoutHash(a)) == normalized(withoutHash(b))
    }

    /// Drops nulls and empty objects/arrays, recursively, so absent and empty compare equal.
    static func normalized(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .null: return nil
        case .object(let object):
            var out = JSONObject()
            for (key, child) in object.entries {
                if let child = normalized(child) { out[key] = child }
            }
            return out.isEmpty ? nil : .object(out)
        case .array(let items):
            let out = items.map { normalized($0) ?? .null }
            return out.isEmpty ? nil : .array(out)
        default: return value
        }
    }

    /// ObjectMeta's fields before `creationTimestamp` in the Go struct, which decides where kubectl
    /// writes the `"creationTimestamp":null` it always emits for a template.
    private static let metadataFieldsBeforeCreationTimestamp: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    ]

    /// The template as kubectl 1.32 marshals a corev1.PodTemplateSpec it decoded from the server:
    /// Go's field order (`GoFieldOrder`), with `"creationTimestamp":null` in metadata and
    /// `metadata` and `spec` always present.
    static func asKubectlWrites(_ template: JSONValue) -> JSONValue {
        let template = GoFieldOrder.ordered(template, as: "PodTemplateSpec")
        var metadata = template["metadata"]?.objectValue ?? JSONObject()
        if metadata["creationTimestamp"] == nil {
            var out = JSONObject()
            var inserted = false
            for (key, value) in metadata.entries {
                if !inserted && !metadataFieldsBeforeCreationTimestamp.contains(key) {
                    out["creationTimestamp"] = .null
                    inserted = true
                }
                out[key] = value
            }
            if !inserted { out["creationTimestamp"] = .null }
            metadata = out
        }
        var out = JSONObject()
        out["metadata"] = .object(metadata)
        out["spec"] = template["spec"] ?? .object([:])
        return .object(out)
    }
}
