import Engine
import EngineServer

/// The one place `kvdeck serve` turns a model path into something to serve: the files opened
/// once, and a backend (with its own KV cache) made over their weights for each server.
///
/// A stub until main has the CPU backend (branch engine-cpu). Then the body is:
/// ```swift
/// let files = try ModelFiles.open(path: path, chatTemplate: chatTemplate) { (file: GGUFFile) throws(ModelLoadError) -> any ModelWeights in
///     try GGUFModel(file: file)
/// }
/// let weights = files.weights
/// return LoadedModel(files: files) { request in
///     try CPUModelRunner(weights: weights, blockSize: request.blockSize, kvCacheBytes: request.kvCacheBytes, threads: threads)
/// }
/// ```
/// (Run end to end that way on a local merge: every EngineServerTests and ServeCommandTests test passes.)
enum ServeBackend {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static func open(path: String, chatTemplate: ChatTemplate?, threads: Int?) throws -> LoadedModel {
        let files = try ModelFiles.open(path: path, chatTemplate: chatTemplate) { (_: GGUFFile) throws(ModelLoadError) -> any ModelWeights in
            throw ModelLoadError(path: path, "this build has no GGUF weight loader yet (the CPU backend is not merged)")
        }
        return LoadedModel(files: files) { _ in
            throw Unavailable(description: "this build has no CPU backend yet")
        }
    }
}
