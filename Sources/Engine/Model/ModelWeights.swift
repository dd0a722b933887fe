/// One weight tensor, read in place from a memory-mapped file (GGUF or safetensors).
///
/// `dimensions` is in ggml order, innermost first: a linear layer with `in` inputs and `out`
/// outputs is `[in, out]`, i.e. `out` rows of `in` contiguous values (or blocks of them).
public struct WeightTensor: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let dimensions: [Int]
    public let data: UnsafeRawBufferPointer
    /// Keeps the mapping that `data` points into alive.
    public let owner: AnyObject

    public init(name: String, type: GGMLType, dimensions: [Int], data: UnsafeRawBufferPointer, owner: AnyObject) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.data = data
        self.owner = owner
    }

    public var elementCount: Int { dimensions.reduce(1, *) }
}

/// A loaded checkpoint: its configuration and its tensors under the GGUF tensor names
/// (`token_embd.weight`, `blk.N.attn_q.weight`, `blk.N.attn_q.bias`, `blk.N.attn_q_norm.weight`,
/// `blk.N.attn_k.weight`, `blk.N.attn_v.weight`, `blk.N.attn_output.weight`,
/// `blk.N.attn_norm.weight`, `blk.N.ffn_norm.weight`, `blk.N.ffn_gate.weight`,
/// `blk.N.ffn_up.weight`, `blk.N.ffn_down.weight`, `output_norm.weight`, `output.weight` unless
/// tied). Every format's loader maps its own names onto these, so backends know one naming.
public protocol ModelWeights: AnyObject, Sendable {
    var config: ModelConfig { get }
    /// Where the weights came from, for messages.
    var source: String { get }
    func tensor(_ name: String) -> WeightTensor?
}

extension ModelWeights {
    /// A tensor the architecture requires, with the shape it must have.
    public func require(_ name: String, dimensions: [Int]) throws(ModelLoadError) -> WeightTensor {
        guard let t = tensor(name) else { throw ModelLoadError(path: source, "tensor \(name) is missing") }
        guard t.dimensions == dimensions else {
            throw ModelLoadError(path: source, "tensor \(name) has shape \(t.dimensions), expected \(dimensions)")
        }
        guard t.type.isSupported else {
            throw ModelLoadError(path: source, "tensor \(name) is \(t.type.name), which kvdeck does not compute with (F32, F16, BF16, Q8_0, Q4_0, Q4_1 are supported)")
        }
        return t
    }
}
