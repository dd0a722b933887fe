import Foundation

/// A Hugging Face model directory's weights: `config.json` and `model.safetensors`, or the shards
/// a `model.safetensors.index.json` lists, memory-mapped and exposed under the GGUF tensor names
/// (see `ModelWeights`). BF16, F16 and F32 tensors are read in place. Every tensor the
/// configuration needs is checked for presence, dtype and shape at load, so a bad checkpoint
/// fails here with the file to blame rather than later inside a kernel.
public final class HuggingFaceCheckpoint: ModelWeights {
    public let config: ModelConfig
    public let source: String
    /// The ids config.json names (the tokenizer files may name more).
    let bosTokenID: Int?
    let eosTokenIDs: [Int]
    private let tensors: [String: WeightTensor]

    public func tensor(_ name: String) -> WeightTensor? { tensors[name] }

    public init(directory: String) throws(ModelLoadError) {
        let dir = URL(fileURLWithPath: directory)
        source = directory
        let parsed = try HuggingFaceConfig(path: dir.appendingPathComponent("config.json").path)
        config = parsed.model
        bosTokenID = parsed.bosTokenID
        eosTokenIDs = parsed.eosTokenIDs

        // Which file holds each tensor.
        let indexPath = dir.appendingPathComponent("model.safetensors.index.json").path
        let singlePath = dir.appendingPathComponent("model.safetensors").path
        var fileOf: [String: String] = [:]
        var shards: [String: SafetensorsFile] = [:]
        let fm = FileManager.default
        if fm.fileExists(atPath: indexPath) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: indexPath)) } catch {
                throw ModelLoadError(path: indexPath, "cannot read: \(error.localizedDescription)")
            }
            guard let map = try JSONObject(data, path: indexPath)["weight_map"] as? [String: String] else {
                throw ModelLoadError(path: indexPath, "weight_map is missing or not an object of file names")
            }
            for (tensor, file) in map {
                // Shards sit beside the index; a path out of the directory is refused.
                guard !file.contains("/"), !file.hasPrefix(".") else {
                    throw ModelLoadError(path: indexPath, "weight_map names \(file) for \(tensor), which is not a file in this directory")
                }
                fileOf[tensor] = dir.appendingPathComponent(file).path
            }
            for path in Set(fileOf.values).sorted() { shards[path] = try SafetensorsFile(path: path) }
        } else if fm.fileExists(atPath: singlePath) {
            let file = try SafetensorsFile(path: singlePath)
            shards[singlePath] = file
            for name in file.entries.keys { fileOf[name] = singlePath }
        } else {
            throw ModelLoadError(path: directory, "neither model.safetensors nor model.safetensors.index.json is here")
        }

        var tensors: [String: WeightTensor] = [:]
        for (name, shape) in HuggingFaceTensorNames.required(config) {
            guard let path = fileOf[name] else {
                let file = fm.fileExists(atPath: indexPath) ? indexPath : singlePath
                throw ModelLoadError(path: file, "tensor \(name) is missing")
            }
            guard let shard = shards[path], let entry = shard.entries[name] else {
                throw ModelLoadError(path: path, "tensor \(name) is missing (model.safetensors.index.json puts it here)")
            }
            let type: GGMLType
            switch entry.dtype {
            case "BF16": type = .bf16
            case "F16": type = .f16
            case "F32": type = .f32
            default:
                throw ModelLoadError(path: path, "tensor \(name) is \(entry.dtype), which kvdeck does not load (BF16, F16, F32 are)")
            }
            guard entry.shape == shape else {
                throw ModelLoadError(path: path, "tensor \(name) has shape \(entry.shape), config.json implies \(shape)")
            }
            guard let gguf = HuggingFaceTensorNames.ggufName(name) else {
                throw ModelLoadError(path: path, "tensor \(name) has no GGUF name (a kvdeck bug: the required list and the name map disagree)")
            }
            tensors[gguf] = WeightTensor(name: gguf, type: type, dimensions: shape.reversed(),
                                         data: shard.data(entry), owner: shard.file)
        }
        self.tensors = tensors
    }
}
