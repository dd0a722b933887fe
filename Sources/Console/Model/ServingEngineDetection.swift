import Kube
import Operations

/// Which inference server a pod template runs, found from images, commands, args and labels.
public enum ServingEngine: String, Sendable, Equatable, CaseIterable {
    case vllm
    case kvdeck
    case sglang
    case llamacpp = "llama.cpp"
    case tgi
}

/// What a workload serves: the engine and, when the template says, the model.
public struct ServingIdentity: Sendable, Equatable {
    public var engine: ServingEngine
    public var model: String?
    /// `--served-model-name`, the name clients use, when it differs from the model path.
    public var servedName: String?
    /// The container that runs the server (its ports and args are the ones that matter).
    public var container: String

    public init(engine: ServingEngine, model: String?, servedName: String?, container: String) {
        self.engine = engine
        self.model = model
        self.servedName = servedName
        self.container = container
    }
}

/// Finds inference servers in pod templates. vLLM is recognised by `vllm serve`, by the
/// OpenAI entrypoint module, by images named vllm, and by the labels the vLLM production stack
/// and KServe put on its pods; kvdeck's own engine by `kvdeck serve`.
public enum ServingEngineDetection {
    public static func identify(_ template: PodTemplateSpec?) -> ServingIdentity? {
        guard let containers = template?.spec?.containers else { return nil }
        let labels = template?.metadata?.labels ?? [:]
        for container in containers {
            let words = (container.command ?? []) + (container.args ?? [])
            let joined = words.joined(separator: " ")
            let image = (container.image ?? "").lowercased()
            let engine: ServingEngine?
            if joined.contains("kvdeck serve") || (words.first.map { $0.hasSuffix("kvdeck") } ?? false && words.contains("serve")) {
                engine = .kvdeck
            } else if joined.contains("vllm serve") || joined.contains("vllm.entrypoints.openai.api_server")
                        || imageName(image).contains("vllm") || labels["app.kubernetes.io/name"] == "vllm"
                        || labels["model.aibrix.ai/engine"] == "vllm" {
                engine = .vllm
            } else if joined.contains("sglang.launch_server") || imageName(image).contains("sglang") {
                engine = .sglang
            } else if joined.contains("llama-server") || imageName(image).contains("llama.cpp") || image.contains("llama-cpp") {
                engine = .llamacpp
            } else if imageName(image).contains("text-generation-inference") || joined.contains("text-generation-launcher") {
                engine = .tgi
            } else {
                engine = nil
            }
            guard let engine else { continue }
            return ServingIdentity(engine: engine, model: ModelArguments.model(in: words),
                                   servedName: ModelArguments.flag("--served-model-name", in: words), container: container.name)
        }
        return nil
    }

    /// The repository part of an image reference, without registry host and tag.
    static func imageName(_ image: String) -> String {
        let withoutDigest = image.split(separator: "@").first.map(String.init) ?? image
        let lastSlash = withoutDigest.split(separator: "/").last.map(String.init) ?? withoutDigest
        return lastSlash.split(separator: ":").first.map(String.init) ?? lastSlash
    }
}
