import Foundation
import YAML

/// What a pod's spec says about the engine it runs: the model, the served names and the engine
/// settings of `vllm serve` / `kvdeck serve`, read from the container's command and args the way
/// vLLM reads its flags. The kubelet stand-in decides from it whether the engine can run the pod,
/// and a stand-in server reports it.
public struct PodEngineSpec: Sendable, Equatable {
    /// The container that would run the engine: the first whose command line has `serve`, else the first.
    public var container: String
    /// The command line as written in the spec, for the startup log line.
    public var commandLine: String
    /// vLLM's `model_name` label: the first `--served-model-name`, else the model path.
    public var modelName: String
    /// The model path (`serve MODEL` or `--model MODEL`), the `root` in /v1/models.
    public var modelPath: String
    public var maxModelLen: Int?
    public var blockSize: Int
    public var gpuMemoryUtilization: String
    public var cacheDType: String
    public var enablePrefixCaching: Bool
    /// Every `--served-model-name` (vLLM takes several).
    public var servedModelNames: [String]
    public var maxNumSeqs: Int?
    public var maxNumBatchedTokens: Int?
    /// `--kv-cache-memory` as written (bytes with an optional suffix).
    public var kvCacheMemory: String?
    public var port: Int?

    public init(pod: JSONValue) {
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        func words(_ c: JSONValue) -> [String] {
            ((c["command"]?.arrayValue ?? []) + (c["args"]?.arrayValue ?? [])).compactMap(\.stringValue)
        }
        let engine = containers.first { words($0).contains("serve") } ?? containers.first ?? .null
        container = engine["name"]?.stringValue ?? ""
        let argv = words(engine)
        commandLine = argv.joined(separator: " ")

        // `--flag value`, `--flag=value`; underscores and dashes are the same flag to vLLM.
        func values(_ flag: String) -> [String] {
            var found: [String] = []
            var i = 0
            while i < argv.count {
                let word = argv[i].replacingOccurrences(of: "_", with: "-")
                if word == flag {
                    var j = i + 1
                    while j < argv.count, !argv[j].hasPrefix("-") {
                        found.append(argv[j])
                        j += 1
                        if flag != "--served-model-name" { break }
                    }
                    i = j
                    continue
                }
                if word.hasPrefix(flag + "=") { found.append(String(argv[i].dropFirst(flag.count + 1))) }
                i += 1
            }
            return found
        }
        var path = values("--model").first
        if path == nil, let serve = argv.firstIndex(of: "serve"), serve + 1 < argv.count, !argv[serve + 1].hasPrefix("-") {
            path = argv[serve + 1]
        }
        modelPath = path ?? "unknown"
        modelName = values("--served-model-name").first ?? modelPath
        maxModelLen = values("--max-model-len").first.flatMap { Int($0) }
        blockSize = values("--block-size").first.flatMap { Int($0) } ?? 16
        gpuMemoryUtilization = values("--gpu-memory-utilization").first.flatMap { Double($0) }.map { "\($0)" } ?? "0.9"
        cacheDType = values("--kv-cache-dtype").first ?? "auto"
        enablePrefixCaching = !argv.contains("--no-enable-prefix-caching")
        servedModelNames = values("--served-model-name")
        maxNumSeqs = values("--max-num-seqs").first.flatMap { Int($0) }
        maxNumBatchedTokens = values("--max-num-batched-tokens").first.flatMap { Int($0) }
        kvCacheMemory = values("--kv-cache-memory").first
        port = values("--port").first.flatMap { Int($0) }
    }
}
