import Kube

/// Which port a pod serves `/metrics` on, read from its spec: a container port named `metrics` or
/// `http`, else the server's `--port` argument, else the only declared port, else vLLM's default 8000.
/// vLLM, SGLang and llama.cpp serve metrics on their API port; naming the port is the k8s convention.
public enum MetricsPort {
    public static let vllmDefault = "8000"
    /// dcgm-exporter's default listen port.
    public static let dcgmExporterDefault = "9400"

    /// `container`, when given, is the serving container (`ServingIdentity.container`); otherwise every
    /// container is looked at, in order.
    public static func of(_ pod: Pod, container: String? = nil) -> String {
        let all = pod.spec?.containers ?? []
        let containers = container.flatMap { name in all.filter { $0.name == name }.nilIfEmpty } ?? all
        for preferred in ["metrics", "http"] {
            for c in containers {
                if let port = c.ports?.first(where: { $0.name == preferred }) { return String(port.containerPort) }
            }
        }
        for c in containers {
            let words = (c.command ?? []) + (c.args ?? [])
            if let port = portArgument(words) { return port }
        }
        let declared = containers.flatMap { $0.ports ?? [] }
        if declared.count == 1 { return String(declared[0].containerPort) }
        return vllmDefault
    }

    /// A DCGM exporter's port: named `metrics`, else the only port, else 9400.
    public static func ofExporter(_ pod: Pod) -> String {
        let ports = (pod.spec?.containers ?? []).flatMap { $0.ports ?? [] }
        if let named = ports.first(where: { $0.name == "metrics" }) { return String(named.containerPort) }
        if ports.count == 1 { return String(ports[0].containerPort) }
        return dcgmExporterDefault
    }

    /// `--port N` or `--port=N`, also inside one shell string (`sh -c "vllm serve M --port 8080"`).
    static func portArgument(_ words: [String]) -> String? {
        let split = words.flatMap { $0.split(separator: " ").map(String.init) }
        for (i, word) in split.enumerated() {
            if word == "--port", i + 1 < split.count, Int(split[i + 1]) != nil { return split[i + 1] }
            if word.hasPrefix("--port="), Int(word.dropFirst(7)) != nil { return String(word.dropFirst(7)) }
        }
        return nil
    }
}

extension Array {
    fileprivate var nilIfEmpty: Self? { isEmpty ? nil : self }
}
