import Foundation
import Kube
import YAML

/// A StatefulSet's rollout history as ControllerRevisions, the way k8s.io/kubernetes
/// pkg/controller/history and the StatefulSet controller keep it: each revision's `data` is the
/// strategic-merge patch `{"spec":{"template":{…,"$patch":"replace"}}}` (what `kubectl rollout
/// undo` sends back verbatim), named `<owner>-<hash>` and labelled with the template's labels
/// plus `controller.kubernetes.io/hash`.
enum ControllerRevisionHistory {
    static let hashLabel = "controller.kubernetes.io/hash"

    /// statefulset's getPatch: the template alone, with `$patch: replace`, keys sorted as Go's
    /// json.Marshal of a map writes them.
    static func patch(template: JSONValue?) -> JSONValue {
        var template = template ?? .object(JSONObject())
        if case .object = template {} else { template = .object(JSONObject()) }
        template["$patch"] = "replace"
        let data: JSONValue = ["spec": ["template": template]]
        return sortedKeys(data)
    }

    /// The template a revision's data holds (the patch without its directive).
    static func template(of revision: JSONValue) -> JSONValue {
        var template = revision["data"]?["spec"]?["template"] ?? .object(JSONObject())
        template["$patch"] = nil
        return template
    }

    /// history.HashControllerRevision: FNV-1 (32-bit, not 1a) over the data's JSON bytes, then the
    /// collision count written in decimal, the sum printed in decimal and mapped onto the safe
    /// alphabet. The bytes are Go's compact encoding (sorted keys, HTML characters escaped), so for
    /// the same template this gives the real controller's names (checked against the recording).
    static func hash(data: JSONValue, collisionCount: Int64?) -> String {
        var hash: UInt32 = 2_166_136_261
        func feed(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { hash = hash &* 16_777_619; hash ^= UInt32(byte) }
        }
        feed(Array(goJSON(data).utf8))
        if let collisionCount { feed(Array(String(collisionCount).utf8)) }
        return PodTemplateHash.safeEncode(String(hash))
    }

    /// Compact JSON with sorted keys and `<`, `>`, `&`, U+2028 and U+2029 escaped, as
    /// encoding/json writes them. The escaped characters can only occur inside strings, so a
    /// replacement over the whole text is exact.
    static func goJSON(_ value: JSONValue) -> String {
        value.canonicalJSON()
            .replacingOccurrences(of: "<", with: "\\u003c")
            .replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
            .replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
    }

    static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .object(o): return .object(JSONObject(o.entries.sorted { $0.key < $1.key }.map { ($0.key, sortedKeys($0.value)) }))
        case let .array(a): return .array(a.map(sortedKeys))
        default: return value
        }
    }

    static func revisionNumber(_ revision: JSONValue) -> Int64 { revision["revision"]?.intValue ?? 0 }

    /// history.SortControllerRevisions: by revision, then creation time, then name.
    static func sorted(_ revisions: [JSONValue]) -> [JSONValue] {
        revisions.sorted {
            let a = revisionNumber($0), b = revisionNumber($1)
            if a != b { return a < b }
            if $0.creationTimestamp != $1.creationTimestamp { return $0.creationTimestamp < $1.creationTimestamp }
            return $0.name < $1.name
        }
    }

    /// history.EqualRevision: the same data (compared as trees; the hash labels follow from it).
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        sortedKeys(a["data"] ?? .null) == sortedKeys(b["data"] ?? .null)
    }

    /// A new, unsaved revision of `owner` with the given template patch (history.NewControllerRevision).
    static func make(owner: JSONValue, ownerKind: String, template: JSONValue?, revision: Int64, collisionCount: Int64?) -> JSONValue {
        let data = patch(template: template)
        let hash = hash(data: data, collisionCount: collisionCount)
        var labels = JSONValue.stringMap(template?["metadata"]?["labels"])
        labels[hashLabel] = hash
        return [
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": ["name": .string("\(owner.name)-\(hash)"), "namespace": .string(owner.namespace),
                         "labels": JSONValue.fromMap(labels),
                         "ownerReferences": [owner.controllerReference(apiVersion: "apps/v1", kind: ownerKind)]],
            "data": data,
            "revision": .int(revision),
        ]
    }
}
