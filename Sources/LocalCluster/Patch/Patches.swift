import Foundation
import YAML

/// Why a patch could not be applied.
enum PatchFailure: Error, Equatable {
    /// A JSON patch `test` operation did not hold (the real server: 422 with a bare message).
    case testFailed
    /// The patch itself is malformed or names a path that does not exist (400).
    case invalid(String)
}

/// RFC 6902 JSON Patch, as evanphx/json-patch applies it for kube-apiserver.
enum JSONPatch {
    static func apply(_ operations: JSONValue, to document: JSONValue) throws(PatchFailure) -> JSONValue {
        guard let ops = operations.arrayValue else { throw .invalid("json: cannot unmarshal object into Go value of type jsonpatch.Patch") }
        var doc = document
        for op in ops {
            guard let name = op["op"]?.stringValue else { throw .invalid("Unexpected kind: unknown") }
            let path = op["path"]?.stringValue ?? ""
            switch name {
            case "add":
                guard let value = op["value"] else { throw .invalid("missing value") }
                doc = try set(doc, pointer(path), value, insert: true)
            case "replace":
                guard let value = op["value"] else { throw .invalid("missing value") }
                guard get(doc, pointer(path)) != nil else { throw .invalid("replace operation does not apply: doc is missing key: \(path)") }
                doc = try set(doc, pointer(path), value, insert: false)
            case "remove":
                guard get(doc, pointer(path)) != nil else { throw .invalid("remove operation does not apply: doc is missing path: \(path)") }
                doc = try remove(doc, pointer(path))
            case "test":
                let expected = op["value"] ?? .null
                guard get(doc, pointer(path)) == expected else { throw .testFailed }
            case "move", "copy":
                let from = op["from"]?.stringValue ?? ""
                guard let value = get(doc, pointer(from)) else { throw .invalid("\(name) operation does not apply: doc is missing from path: \(from)") }
                if name == "move" { doc = try remove(doc, pointer(from)) }
                doc = try set(doc, pointer(path), value, insert: true)
            default:
                throw .invalid("Unexpected kind: \(name)")
            }
        }
        return doc
    }

    static func pointer(_ path: String) -> [String] {
        guard !path.isEmpty else { return [] }
        return path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ doc: JSONValue, _ path: [String]) -> JSONValue? {
        doc.value(at: path)
    }

    static func set(_ doc: JSONValue, _ path: [String], _ value: JSONValue, insert: Bool) throws(PatchFailure) -> JSONValue {
        guard let head = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[head] = value; return .object(o) }
            guard let child = o[head] else { throw .invalid("add operation does not apply: doc is missing path: /\(path.joined(separator: "/"))") }
            o[head] = try set(child, rest, value, insert: insert)
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if head == "-" && insert { a.append(value); return .array(a) }
                guard let i = Int(head), i >= 0, insert ? i <= a.count : i < a.count else { throw .invalid("index out of range: \(head)") }
                if insert { a.insert(value, at: i) } else { a[i] = value }
                return .array(a)
            }
            guard let i = Int(head), a.indices.contains(i) else { throw .invalid("index out of range: \(head)") }
            a[i] = try set(a[i], rest, value, insert: insert)
            return .array(a)
        default:
            throw .invalid("doc is missing path: /\(path.joined(separator: "/"))")
        }
    }

    static func remove(_ doc: JSONValue, _ path: [String]) throws(PatchFailure) -> JSONValue {
        guard let head = path.first else { return .null }
        let rest = Array(path.dropFirst())
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[head] = nil; return .object(o) }
            guard let child = o[head] else { throw .invalid("doc is missing path") }
            o[head] = try remove(child, rest)
            return .object(o)
        case .array(var a):
            guard let i = Int(head), a.indices.contains(i) else { throw .invalid("index out of range: \(head)") }
            if rest.isEmpty { a.remove(at: i) } else { a[i] = try remove(a[i], rest) }
            return .array(a)
        default:
            throw .invalid("doc is missing path")
        }
    }
}

/// RFC 7386 JSON Merge Patch: objects merge, null deletes, anything else replaces.
enum MergePatch {
    static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var result: JSONObject
        if case .object(let t) = target { result = t } else { result = JSONObject() }
        for (key, value) in p.entries {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }
}

/// Strategic merge patch for the built-in kinds: a merge patch in which lists with a patch merge
/// key are merged item by item, and `$patch`, `$retainKeys`-free directives (`$patch: delete`,
/// `$patch: replace`, `$deleteFromPrimitiveList/FIELD`, `$setElementOrder/FIELD`) are honoured.
/// The merge keys are those of the Kubernetes types kubectl patches (core/v1, apps/v1).
enum StrategicMergePatch {
    /// Field name → merge key, for lists that merge by key wherever they appear. Lists not
    /// named here (args, command, tolerations, finalizers, ...) are replaced, as their Go types
    /// declare no patch strategy.
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
        "env": "name", "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
        "imagePullSecrets": "name", "hostAliases": "ip", "conditions": "type",
        "ownerReferences": "uid", "containerStatuses": "name", "initContainerStatuses": "name",
        "topologySpreadConstraints": "topologyKey", "resourceClaims": "name", "readinessGates": "conditionType",
        "podIPs": "ip", "addresses": "type", "taints": "key",
    ]

    /// `ports` merges by containerPort inside a container and by port in a Service spec.
    static func mergeKey(for field: String, parentPath: [String]) -> String? {
        if field == "ports" { return parentPath.last == "spec" ? "port" : "containerPort" }
        return mergeKeys[field]
    }

    static func apply(_ patch: JSONValue, to target: JSONValue) throws(PatchFailure) -> JSONValue {
        try merge(patch, into: target, path: [])
    }

    private static func merge(_ patch: JSONValue, into target: JSONValue, path: [String]) throws(PatchFailure) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        if p["$patch"]?.stringValue == "replace" {
            var replaced = p
            replaced["$patch"] = nil
            return .object(replaced)
        }
        if p["$patch"]?.stringValue == "delete" { return .null }
        var result: JSONObject
        if case .object(let t) = target { result = t } else { result = JSONObject() }
        for (key, value) in p.entries {
            if key == "$patch" || key == "$retainKeys" || key.hasPrefix("$setElementOrder/") { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let removed = value.arrayValue ?? []
                if let current = result[field]?.arrayValue {
                    result[field] = .array(current.filter { !removed.contains($0) })
                }
                continue
            }
            if value.isNull {
                result[key] = nil
                continue
            }
            if case .array(let items) = value, let mergeKey = mergeKey(for: key, parentPath: path) {
                result[key] = try mergeList(items, into: result[key]?.arrayValue ?? [], key: mergeKey, path: path + [key])
            } else if case .object = value {
                let merged = try merge(value, into: result[key] ?? .null, path: path + [key])
                result[key] = merged.isNull ? nil : merged
            } else {
                result[key] = value
            }
        }
        return .object(result)
    }

    private static func mergeList(_ patchItems: [JSONValue], into current: [JSONValue], key: String, path: [String]) throws(PatchFailure) -> JSONValue {
        // `[{"$patch": "replace"}, ...]` replaces the whole list with the other items.
        if patchItems.contains(where: { $0["$patch"]?.stringValue == "replace" && $0[key] == nil }) {
            return .array(patchItems.filter { $0["$patch"]?.stringValue != "replace" })
        }
        var result = current
        for item in patchItems {
            guard case .object = item, let keyValue = item[key] else {
                throw .invalid("map: \(item.jsonString()) does not contain declared merge key: \(key)")
            }
            let index = result.firstIndex { $0[key] == keyValue }
            if item["$patch"]?.stringValue == "delete" {
                if let index { result.remove(at: index) }
                continue
            }
            if let index {
                result[index] = try merge(item, into: result[index], path: path)
            } else {
                var added = item
                added["$patch"] = nil
                result.append(try merge(added, into: .null, path: path))
            }
        }
        return .array(result)
    }
}
