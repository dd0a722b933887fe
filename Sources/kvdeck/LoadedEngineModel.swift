import Engine
import EngineServer
import Foundation

/// MODEL opened the way `kvdeck serve` opens it (`LoadedModel.open`, over `ModelFiles.open`),
/// with progress on stderr: one way to load a model for every engine command.
enum LoadedEngineModel {
    /// Resolves and opens MODEL with its chat format (`--chat-template` forces one); returns the
    /// model and the seconds the load took.
    static func open(_ model: String, chatTemplate: String?, threads: Int?, command: String) throws -> (LoadedModel, seconds: Double) {
        let forced = try chatTemplate.map { name throws(ChatTemplateError) in try ChatTemplate.named(name) }
        return try timed(model, command: command) { path in
            let loaded = try LoadedModel.open(path: path, chatTemplate: forced, threads: threads)
            EngineProgress.say(command, "backend: \(loaded.backendDescription)")
            return (loaded, loaded.config)
        }
    }

    /// The model's files alone (weights and tokenizer), for `kvdeck bench`, which makes its own
    /// runners through `DecodeBenchmark`.
    static func files(_ model: String, command: String) throws -> (ModelFiles, seconds: Double) {
        try timed(model, command: command) { path in
            let files = try ModelFiles.open(path: path)
            return (files, files.config)
        }
    }

    private static func timed<T>(_ model: String, command: String,
                                 _ load: (String) throws -> (T, ModelConfig)) throws -> (T, seconds: Double) {
        let path = try ModelArgument(name: model).existingPath(environment: ProcessInfo.processInfo.environment)
        EngineProgress.say(command, "loading \(path)")
        let started = ContinuousClock.now
        let (value, config) = try load(path)
        let seconds = started.duration(to: .now).seconds
        EngineProgress.say(command, "loaded in \(String(format: "%.2f", seconds)) s (\(config.architecture.rawValue), \(config.layerCount) layers)")
        return (value, seconds)
    }
}

extension Duration {
    /// This duration in seconds, as a Double (for timings people read).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
