/// The hyper-parameters of a decoder-only transformer (Llama, Qwen2, Qwen3 families), read from
/// GGUF metadata or a Hugging Face `config.json`. One shape for every loader and backend.
public struct ModelConfig: Sendable, Equatable {
    public enum Architecture: String, Sendable {
        case llama, qwen2, qwen3
    }

    /// How RoPE pairs the elements of a head: HF checkpoints rotate element j with j + d/2
    /// ("half-split"); llama.cpp's converter permutes Llama q/k rows so that GGUF rotates adjacent
    /// pairs (2j, 2j+1). Qwen GGUFs keep the half-split ("neox") layout.
    public enum RopeLayout: String, Sendable {
        case halfSplit, adjacentPairs
    }

    public var architecture: Architecture
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var ropeTheta: Double
    public var ropeLayout: RopeLayout
    /// Long-context RoPE scaling, `.none` for plain RoPE.
    public var ropeScaling: RopeScaling
    public var rmsNormEps: Double
    /// The context length the model was trained for (`max_position_embeddings`).
    public var maxPositions: Int
    public var tiedEmbeddings: Bool
    /// Qwen2: biases on the q/k/v projections.
    public var attentionBias: Bool
    /// Qwen3: RMSNorm on each head of q and k before RoPE.
    public var qkNorm: Bool

    public init(architecture: Architecture, vocabSize: Int, hiddenSize: Int, intermediateSize: Int,
                layerCount: Int, headCount: Int, kvHeadCount: Int, headDim: Int, ropeTheta: Double,
                ropeLayout: RopeLayout, rmsNormEps: Double, maxPositions: Int, tiedEmbeddings: Bool,
                attentionBias: Bool, qkNorm: Bool, ropeScaling: RopeScaling = .none) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.ropeTheta = ropeTheta
        self.ropeLayout = ropeLayout
        self.ropeScaling = ropeScaling
        self.rmsNormEps = rmsNormEps
        self.maxPositions = maxPositions
        self.tiedEmbeddings = tiedEmbeddings
        self.attentionBias = attentionBias
        self.qkNorm = qkNorm
    }

    /// KV-cache bytes one token takes across all layers (K and V) in a float32 cache: the upper
    /// bound budgets are sized with (a half cache, `CPUKVCacheFormat.float16`, takes half).
    public var kvBytesPerToken: Int { CPUKVCacheFormat.float32.bytesPerToken(self) }
}
