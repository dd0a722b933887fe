import Operations
import YAML

/// A few lines on what the server answered a `?dryRun=All` write with: kubectl's result line,
/// then the would-be object's fields that operations change (replicas, the template's containers,
/// route weights), so the operator sees the server accepted the change and what it would hold.
enum DryRunSummary {
    static func lines(_ result: OperationResult) -> [String] {
        var lines = [result.message]
        guard let answer = result.response else { return lines }
        let kind = answer["kind"]?.stringValue ?? "object"
        let name = answer["metadata"]?["name"]?.stringValue ?? ""
        var head = "server's answer: \(kind) \(name)"
        if let generation = answer["metadata"]?["generation"]?.intValue { head += ", generation \(generation)" }
        lines.append(head)
        if let replicas = answer["spec"]?["replicas"]?.intValue { lines.append("  spec.replicas: \(replicas)") }
        for container in answer["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? [] {
            let args = (container["args"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " ")
            lines.append("  container \(container["name"]?.stringValue ?? ""): \(container["image"]?.stringValue ?? "")"
                         + (args.isEmpty ? "" : " \(args)"))
        }
        if let restarted = answer["spec"]?["template"]?["metadata"]?["annotations"]?[RestartOperation.annotation]?.stringValue {
            lines.append("  \(RestartOperation.annotation): \(restarted)")
        }
        for rule in answer["spec"]?["rules"]?.arrayValue ?? [] {
            let weights = (rule["backendRefs"]?.arrayValue ?? []).map {
                "\($0["name"]?.stringValue ?? "?")=\($0["weight"]?.intValue.map(String.init) ?? "1")"
            }
            if !weights.isEmpty { lines.append("  backends: " + weights.joined(separator: ", ")) }
        }
        for route in answer["spec"]?["http"]?.arrayValue ?? [] {
            let weights = (route["route"]?.arrayValue ?? []).map {
                "\($0["destination"]?["host"]?.stringValue ?? "?")=\($0["weight"]?.intValue.map(String.init) ?? "-")"
            }
            if !weights.isEmpty { lines.append("  destinations: " + weights.joined(separator: ", ")) }
        }
        if let percent = answer["spec"]?["predictor"]?["canaryTrafficPercent"]?.intValue {
            lines.append("  spec.predictor.canaryTrafficPercent: \(percent)")
        }
        return lines
    }
}
