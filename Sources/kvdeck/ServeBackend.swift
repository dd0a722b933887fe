import Engine
import EngineServer

/// The one place `kvdeck serve` turns a model path into something to serve: the files opened
/// once, and a backend (with its own KV cache) made over their weights for each server.
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
