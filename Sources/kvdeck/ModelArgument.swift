import Engine
import Foundation

/// The MODEL argument every engine command takes (`serve`, `generate`, `tokenize`, `bench`): a
/// `.gguf` file, a Hugging Face directory, or `default`, the model scripts/fetch-model fetches.
/// One place resolves it, so the commands cannot drift apart on what `default` means.
struct ModelArgument {
    static let help = "A .gguf file, a Hugging Face model directory, or `default`."

    let name: String

    var isDefault: Bool { name == "default" }

    /// The path MODEL names (the default model's place in the cache for `default`).
    func path(environment: [String: String]) -> String {
        isDefault ? DefaultModel.path(environment: environment) : name
    }

    /// The path, checked to exist; the error says how to get the default model when it is missing.
    func existingPath(environment: [String: String]) throws(ModelArgumentError) -> String {
        let path = path(environment: environment)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelArgumentError(description: "no model at \(path)\(isDefault ? "; fetch it with scripts/fetch-model" : "")")
        }
        return path
    }
}

struct ModelArgumentError: Error, CustomStringConvertible {
    let description: String
}

/// Progress for the person at the terminal, on stderr, so stdout stays the command's output.
enum EngineProgress {
    static func say(_ command: String, _ text: String) {
        FileHandle.standardError.write(Data("kvdeck \(command): \(text)\n".utf8))
    }
}
