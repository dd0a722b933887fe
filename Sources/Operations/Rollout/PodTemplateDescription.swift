import Foundation
import YAML

/// kubectl's `describe` text of a pod template, as `rollout history --revision=N` prints it
/// (printers DescribePodTemplate): tab-separated, not aligned. Covers what serving pods use
/// (labels, annotations, containers with image, ports, command, args, resources, probes, env,
/// mounts; volumes, node selectors, tolerations); anything rarer is left out.
public enum PodTemplateDescription {
    /// `rollout history --revision=N`: the header, then the template, where kubectl shows the
    /// revision's change-cause among the template's annotations.
    public static func revisionText(ref: WorkloadRef, entry: RevisionEntry) -> String {
        var template = entry.template
        if let cause = entry.changeCause {
            if template["metadata"]?["annotations"] == nil { template["metadata"]?["annotations"] = .object([:]) }
            template["metadata"]?["annotations"]?[RolloutHistory.changeCauseAnnotation] = .string(cause)
        }
        return "\(ref) with revision #\(entry.revision)\n" + text(template) + "\n"
    }

    public static func text(_ template: JSONValue) -> String {
        var out = "Pod Template:\n"
        let metadata = template["metadata"]
        out += "  Labels:\t" + keyValues(metadata?["labels"], separator: "=") + "\n"
        if let annotations = metadata?["annotations"]?.objectValue, !annotations.isEmpty {
            out += "  Annotations:\t" + keyValues(metadata?["annotations"], separator: ": ") + "\n"
        }
        let spec = template["spec"]
        if let account = spec?["serviceAccountName"]?.stringValue, !account.isEmpty { out += "  Service Account:\t\(account)\n" }
        if let inits = spec?["initContainers"]?.arrayValue, !inits.isEmpty {
            out += "  Init Containers:\n" + inits.map(container).joined()
        }
        out += "  Containers:\n" + (spec?["containers"]?.arrayValue ?? []).map(container).joined()
        out += "  Volumes:\t" + volumes(spec?["volumes"]) + "\n"
        out += "  Node-Selectors:\t" + keyValues(spec?["nodeSelector"], separator: "=") + "\n"
        out += "  Tolerations:\t" + tolerations(spec?["tolerations"]) + "\n"
        return out
    }

    /// Sorted `k=v` (or `k: v`), one per line after the first, each continuation line starting with a tab.
    static func keyValues(_ value: JSONValue?, separator: String) -> String {
        let entries = (value?.objectValue?.entries ?? []).sorted { $0.key < $1.key }
        guard !entries.isEmpty else { return "<none>" }
        return entries.map { "\($0.key)\(separator)\(scalar($0.value))" }.joined(separator: "\n\t")
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return String(b)
        case .double(let d): return String(d)
        default: return value.jsonString()
        }
    }

    static func container(_ c: JSONValue) -> String {
        var out = "   \(c["name"]?.stringValue ?? ""):\n"
        out += "    Image:\t\(c["image"]?.stringValue ?? "")\n"
        let ports = c["ports"]?.arrayValue ?? []
        func portText(_ key: String) -> String {
            ports.map { "\($0[key]?.intValue ?? 0)/\($0["protocol"]?.stringValue ?? "TCP")" }.joined(separator: ", ")
        }
        if ports.isEmpty {
            out += "    Port:\t<none>\n    Host Port:\t<none>\n"
        } else {
            out += "    Port\(ports.count > 1 ? "s" : ""):\t\(portText("containerPort"))\n"
            out += "    Host Port\(ports.count > 1 ? "s" : ""):\t\(portText("hostPort"))\n"
        }
        for (label, key) in [("Command", "command"), ("Args", "args")] {
            let words = (c[key]?.arrayValue ?? []).compactMap(\.stringValue)
            if !words.isEmpty { out += "    \(label):\n" + words.map { "      \($0)\n" }.joined() }
        }
        for (label, key) in [("Limits", "limits"), ("Requests", "requests")] {
            let entries = (c["resources"]?[key]?.objectValue?.entries ?? []).sorted { $0.key < $1.key }
            if !entries.isEmpty { out += "    \(label):\n" + entries.map { "      \($0.key):\t\(scalar($0.value))\n" }.joined() }
        }
        for (label, key) in [("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")] {
            if let probe = c[key] { out += "    \(label):\t\(probeText(probe))\n" }
        }
        let env = c["env"]?.arrayValue ?? []
        if env.isEmpty {
            out += "    Environment:\t<none>\n"
        } else {
            out += "    Environment:\n" + env.map { e -> String in
                let value = e["value"]?.stringValue ?? (e["valueFrom"] != nil ? "<set from a reference>" : "")
                return "      \(e["name"]?.stringValue ?? ""):\t\(value)\n"
            }.joined()
        }
        let mounts = c["volumeMounts"]?.arrayValue ?? []
        if mounts.isEmpty {
            out += "    Mounts:\t<none>\n"
        } else {
            out += "    Mounts:\n" + mounts.map { m -> String in
                let mode = m["readOnly"]?.boolValue == true ? "ro" : "rw"
                return "      \(m["mountPath"]?.stringValue ?? "") from \(m["name"]?.stringValue ?? "") (\(mode))\n"
            }.joined()
        }
        return out
    }

    /// `http-get http://:http/health delay=120s timeout=1s period=10s #success=1 #failure=3`.
    static func probeText(_ probe: JSONValue) -> String {
        var action = "unknown"
        if let get = probe["httpGet"] {
            let scheme = (get["scheme"]?.stringValue ?? "HTTP").lowercased()
            action = "http-get \(scheme)://\(get["host"]?.stringValue ?? ""):\(scalar(get["port"] ?? ""))\(get["path"]?.stringValue ?? "")"
        } else if let exec = probe["exec"] {
            action = "exec [\((exec["command"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " "))]"
        } else if let tcp = probe["tcpSocket"] {
            action = "tcp-socket \(tcp["host"]?.stringValue ?? ""):\(scalar(tcp["port"] ?? ""))"
        } else if let grpc = probe["grpc"] {
            action = "grpc <pod>:\(scalar(grpc["port"] ?? "")) \(grpc["service"]?.stringValue ?? "")"
        }
        func n(_ key: String, _ fallback: Int64) -> Int64 { probe[key]?.intValue ?? fallback }
        return "\(action) delay=\(n("initialDelaySeconds", 0))s timeout=\(n("timeoutSeconds", 1))s period=\(n("periodSeconds", 10))s #success=\(n("successThreshold", 1)) #failure=\(n("failureThreshold", 3))"
    }

    static func volumes(_ value: JSONValue?) -> String {
        let items = value?.arrayValue ?? []
        guard !items.isEmpty else { return "<none>" }
        return "\n" + items.map { "   \($0["name"]?.stringValue ?? ""):\n" }.joined().dropLast()
    }

    static func tolerations(_ value: JSONValue?) -> String {
        let items = value?.arrayValue ?? []
        guard !items.isEmpty else { return "<none>" }
        return items.map { t -> String in
            var text = t["key"]?.stringValue ?? ""
            if let v = t["value"]?.stringValue { text += "=\(v)" }
            if let e = t["effect"]?.stringValue { text += ":\(e)" }
            if t["operator"]?.stringValue == "Exists", t["key"] == nil { text = "op=Exists" }
            return text
        }.joined(separator: "\n\t")
    }
}
