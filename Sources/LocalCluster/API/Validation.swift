import Foundation
import YAML

/// The validation the real server applies that clients can observe: object names, and the
/// fields kubectl and the console write (replicas).
enum Validation {
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    static func validateName(_ name: String, resource: ServedResource) throws(APIStatusError) {
        let group = resource.isCustom ? resource.group : resource.group
        if name.isEmpty {
            throw APIStatusError.invalid(kind: resource.kind, group: group, name: name, field: "metadata.name",
                                         detail: "Required value: name or generateName is required")
        }
        let isLabel = resource.group.isEmpty && (resource.plural == "namespaces" || resource.plural == "services")
        let ok = isLabel ? isDNSLabel(name) : isDNSSubdomain(name)
        if !ok {
            let quoted = "\"\(name)\""
            throw APIStatusError.invalid(kind: resource.kind, group: group, name: name, field: "metadata.name",
                                         detail: "Invalid value: \(quoted): \(isLabel ? labelMessage : subdomainMessage)")
        }
    }

    static func isDNSLabel(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 63 else { return false }
        let chars = Array(s.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
        guard alnum(chars.first!), alnum(chars.last!) else { return false }
        return chars.allSatisfy { alnum($0) || $0 == 0x2D }
    }

    static func isDNSSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            let chars = Array(part.utf8)
            guard let first = chars.first, let last = chars.last else { return false }
            func alnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
            return alnum(first) && alnum(last) && chars.allSatisfy { alnum($0) || $0 == 0x2D }
        }
    }

    /// Field checks after a write is computed (create, update, patch).
    static func validate(_ object: JSONValue, resource: ServedResource, name: String) throws(APIStatusError) {
        if ["deployments", "replicasets", "statefulsets"].contains(resource.plural),
           let replicas = object["spec"]?["replicas"]?.intValue, replicas < 0 {
            throw APIStatusError.invalid(kind: resource.kind, group: resource.group, name: name, field: "spec.replicas",
                                         detail: "Invalid value: \(replicas): must be greater than or equal to 0")
        }
    }
}

/// The defaults the real server fills in on create, for the fields kubectl and the console
/// read back (a subset of the API's SetDefaults functions).
enum Defaulting {
    /// What decoding into Go structs and encoding again does to a built-in object's JSON: a field
    /// sent as null (kubectl's undo patch carries `"creationTimestamp": null` in the pod template)
    /// becomes the zero value, which the real server omits. Without this, a template copied back
    /// from a ReplicaSet would differ from it and an undo would make a new ReplicaSet.
    static func droppingNullFields(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .object(o):
            return .object(JSONObject(o.entries.compactMap { $0.value.isNull ? nil : ($0.key, droppingNullFields($0.value)) }))
        case let .array(items):
            return .array(items.map(droppingNullFields))
        default:
            return value
        }
    }

    static func apply(_ object: JSONValue, resource: ServedResource) -> JSONValue {
        guard !resource.isCustom else { return object }
        var o = droppingNullFields(object)
        switch (resource.group, resource.plural) {
        case ("apps", "deployments"):
            if o["spec"]?["replicas"] == nil { o["spec"]?["replicas"] = 1 }
            if o["spec"]?["strategy"] == nil {
                o["spec"]?["strategy"] = ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]]
            }
            if o["spec"]?["revisionHistoryLimit"] == nil { o["spec"]?["revisionHistoryLimit"] = 10 }
            if o["spec"]?["progressDeadlineSeconds"] == nil { o["spec"]?["progressDeadlineSeconds"] = 600 }
            let templateSpec = podSpec(o["spec"]?["template"]?["spec"])
            o["spec"]?["template"]?["spec"] = templateSpec
            if o["status"] == nil { o["status"] = .object(JSONObject()) }
        case ("apps", "replicasets"), ("apps", "statefulsets"):
            if o["spec"]?["replicas"] == nil { o["spec"]?["replicas"] = 1 }
            if resource.plural == "statefulsets" {
                // SetDefaults_StatefulSet.
                if o["spec"]?["podManagementPolicy"] == nil { o["spec"]?["podManagementPolicy"] = "OrderedReady" }
                // An absent strategy becomes RollingUpdate with partition 0; a given RollingUpdate
                // gets partition 0 only if it has a rollingUpdate block.
                if o["spec"]?["updateStrategy"]?["type"] == nil {
                    let given = o["spec"]?["updateStrategy"]?["rollingUpdate"] ?? .object(JSONObject())
                    o["spec"]?["updateStrategy"] = ["type": "RollingUpdate", "rollingUpdate": given]
                }
                if o["spec"]?["updateStrategy"]?["type"] == "RollingUpdate", o["spec"]?["updateStrategy"]?["rollingUpdate"]?["partition"] == nil,
                   o["spec"]?["updateStrategy"]?["rollingUpdate"] != nil {
                    o["spec"]?["updateStrategy"]?["rollingUpdate"]?["partition"] = 0
                }
                if o["spec"]?["revisionHistoryLimit"] == nil { o["spec"]?["revisionHistoryLimit"] = 10 }
                if o["spec"]?["persistentVolumeClaimRetentionPolicy"] == nil {
                    o["spec"]?["persistentVolumeClaimRetentionPolicy"] = ["whenDeleted": "Retain", "whenScaled": "Retain"]
                }
            }
            let templateSpec = podSpec(o["spec"]?["template"]?["spec"])
            o["spec"]?["template"]?["spec"] = templateSpec
            if o["status"] == nil { o["status"] = ["replicas": 0] }
        case ("", "pods"):
            let spec = podSpec(o["spec"])
            o["spec"] = spec
            if o["status"] == nil { o["status"] = ["phase": "Pending"] }
        case ("", "persistentvolumeclaims"):
            if o["spec"] != nil, o["spec"]?["volumeMode"] == nil { o["spec"]?["volumeMode"] = "Filesystem" }
            o = PersistentVolumeBinding.bound(o)
        case ("networking.k8s.io", "networkpolicies"):
            // SetDefaults_NetworkPolicySpec: Ingress always, Egress when there are egress rules;
            // a port without a protocol is TCP.
            if o["spec"] == nil { o["spec"] = .object(JSONObject()) }
            if (o["spec"]?["policyTypes"]?.arrayValue ?? []).isEmpty {
                let egress = !(o["spec"]?["egress"]?.arrayValue ?? []).isEmpty
                o["spec"]?["policyTypes"] = egress ? ["Ingress", "Egress"] : ["Ingress"]
            }
            for direction in ["ingress", "egress"] {
                guard let rules = o["spec"]?[direction]?.arrayValue else { continue }
                o["spec"]?[direction] = .array(rules.map { rule in
                    var rule = rule
                    if let ports = rule["ports"]?.arrayValue {
                        rule["ports"] = .array(ports.map { p in var p = p; if p["protocol"] == nil { p["protocol"] = "TCP" }; return p })
                    }
                    return rule
                })
            }
        case ("policy", "poddisruptionbudgets"):
            // The counts are not omitempty: a new budget reads all zeros until the disruption
            // controller's first pass.
            if o["status"] == nil {
                o["status"] = ["disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0]
            }
        case ("", "namespaces"):
            if o["spec"] == nil { o["spec"] = ["finalizers": ["kubernetes"]] }
            o["status"] = ["phase": "Active"]
            var labels = o["metadata"]?["labels"] ?? .object(JSONObject())
            labels["kubernetes.io/metadata.name"] = o["metadata"]?["name"]
            o["metadata"]?["labels"] = labels
        default:
            break
        }
        return o
    }

    static func podSpec(_ spec: JSONValue?) -> JSONValue? {
        guard var spec else { return nil }
        if let containers = spec["containers"]?.arrayValue { spec["containers"] = .array(containers.map(container)) }
        if let containers = spec["initContainers"]?.arrayValue { spec["initContainers"] = .array(containers.map(container)) }
        if spec["restartPolicy"] == nil { spec["restartPolicy"] = "Always" }
        if spec["terminationGracePeriodSeconds"] == nil { spec["terminationGracePeriodSeconds"] = 30 }
        if spec["dnsPolicy"] == nil { spec["dnsPolicy"] = "ClusterFirst" }
        if spec["securityContext"] == nil { spec["securityContext"] = .object(JSONObject()) }
        if spec["schedulerName"] == nil { spec["schedulerName"] = "default-scheduler" }
        return spec
    }

    static func container(_ c: JSONValue) -> JSONValue {
        var c = c
        if let ports = c["ports"]?.arrayValue {
            c["ports"] = .array(ports.map { p in var p = p; if p["protocol"] == nil { p["protocol"] = "TCP" }; return p })
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            guard var p = c[probe] else { continue }
            if p["httpGet"] != nil, p["httpGet"]?["scheme"] == nil { p["httpGet"]?["scheme"] = "HTTP" }
            if p["timeoutSeconds"] == nil { p["timeoutSeconds"] = 1 }
            if p["periodSeconds"] == nil { p["periodSeconds"] = 10 }
            if p["successThreshold"] == nil { p["successThreshold"] = 1 }
            if p["failureThreshold"] == nil { p["failureThreshold"] = 3 }
            c[probe] = p
        }
        if c["terminationMessagePath"] == nil { c["terminationMessagePath"] = "/dev/termination-log" }
        if c["terminationMessagePolicy"] == nil { c["terminationMessagePolicy"] = "File" }
        if c["imagePullPolicy"] == nil {
            let image = c["image"]?.stringValue ?? ""
            let tag = image.split(separator: "/").last.map { $0.contains(":") ? String($0.split(separator: ":").last!) : "latest" } ?? "latest"
            c["imagePullPolicy"] = (tag == "latest" && !image.contains("@")) ? "Always" : "IfNotPresent"
        }
        return c
    }
}

/// The local cluster has no storage and no volume controller: a claim is bound as it is created to
/// a notional volume of exactly the requested size and access modes, so workloads that mount it
/// schedule and start. A real cluster with a default StorageClass and Immediate binding shows the
/// same state a moment later (phase Bound, spec.volumeName `pvc-<uid>`, the binder's annotations);
/// here the volume's name takes a fresh UUID because the claim's uid is not yet assigned.
enum PersistentVolumeBinding {
    static func bound(_ claim: JSONValue) -> JSONValue {
        var o = claim
        guard o["status"]?["phase"]?.stringValue != "Bound" else { return o }
        if (o["spec"]?["volumeName"]?.stringValue ?? "").isEmpty {
            o["spec"]?["volumeName"] = .string("pvc-\(UUID().uuidString.lowercased())")
        }
        var annotations = o["metadata"]?["annotations"] ?? .object(JSONObject())
        annotations["pv.kubernetes.io/bind-completed"] = "yes"
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
        o["metadata"]?["annotations"] = annotations
        var status: JSONObject = ["phase": "Bound"]
        if let modes = o["spec"]?["accessModes"] { status["accessModes"] = modes }
        if let storage = o["spec"]?["resources"]?["requests"]?["storage"] { status["capacity"] = ["storage": storage] }
        o["status"] = .object(status)
        return o
    }
}

/// Minimal `metadata.managedFields`: one entry per manager, operation and subresource, with the
/// set of fields its last write named (objects as `f:` keys, lists as leaves). Ownership is not
/// used for apply conflicts (see the simplified server-side apply in LocalAPI).
enum ManagedFields {
    static func record(_ object: JSONValue, manager: String, operation: String, apiVersion: String,
                       subresource: String?, fields: JSONValue, now: Date) -> JSONValue {
        var o = object
        var entries = o["metadata"]?["managedFields"]?.arrayValue ?? []
        entries.removeAll {
            $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation
                && $0["subresource"]?.stringValue == subresource
        }
        var entry: JSONObject = ["manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
                                 "time": .string(ObjectStore.timestamp(now)), "fieldsType": "FieldsV1"]
        var scoped = fields
        for skip in ["apiVersion", "kind"] { scoped[skip] = nil }
        scoped["metadata"]?["managedFields"] = nil
        for skip in ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp"] { scoped["metadata"]?[skip] = nil }
        if scoped["metadata"]?.objectValue?.isEmpty == true { scoped["metadata"] = nil }
        if subresource != "status" && subresource != "scale" { scoped["status"] = nil }
        entry["fieldsV1"] = fieldSet(scoped)
        if let subresource { entry["subresource"] = .string(subresource) }
        entries.append(.object(entry))
        o["metadata"]?["managedFields"] = .array(entries)
        return o
    }

    /// `"."` marks a field set as a whole; the real server writes none for the top-level structs
    /// (`f:metadata`, `f:spec`, `f:status`), which are never absent, and one for maps and the
    /// optional structs below them.
    static func fieldSet(_ value: JSONValue, topLevel: Bool = true) -> JSONValue {
        guard case .object(let object) = value else { return .object(JSONObject()) }
        var set = JSONObject()
        for (key, child) in object.entries.sorted(by: { $0.key < $1.key }) where !key.hasPrefix("$") {
            if case .object(let inner) = child, !inner.isEmpty {
                // "." first, where the real server writes it.
                var nested = JSONObject()
                if !(topLevel && ["metadata", "spec", "status"].contains(key)) { nested["."] = .object(JSONObject()) }
                for (field, value) in fieldSet(child, topLevel: false).objectValue?.entries ?? [] { nested[field] = value }
                set["f:" + key] = .object(nested)
            } else {
                set["f:" + key] = .object(JSONObject())
            }
        }
        return .object(set)
    }
}
