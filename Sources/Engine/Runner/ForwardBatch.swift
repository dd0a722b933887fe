/// One forward step as the scheduler hands it to a backend: the new tokens of every scheduled
/// sequence, flattened, with where each token's K/V goes in the paged cache and each sequence's
/// block table (nano-vllm's `prepare_prefill`/`prepare_decode`, in one shape for both).
///
/// A slice is a prefill chunk (many tokens) or a decode step (one token); both kinds mix in one
/// batch. Attention for token i of a slice sees the sequence's cached tokens plus the slice's own
/// tokens up to i (causal), read through `blockTable`.
public struct ForwardBatch: Sendable, Equatable {
    public struct Slice: Sendable, Equatable {
        public var sequenceID: Int
        /// Indices into `tokens`/`positions`/`slotMapping`.
        public var tokenRange: Range<Int>
        /// Tokens in this sequence's cache once the step has run (already cached + this slice).
        public var contextLength: Int
        /// Physical block ids covering `contextLength` tokens, in order.
        public var blockTable: [Int32]
        /// Whether the step must return logits for the slice's last token (false for a prefill
        /// chunk that does not reach the end of the prompt).
        public var wantsLogits: Bool

        public init(sequenceID: Int, tokenRange: Range<Int>, contextLength: Int, blockTable: [Int32], wantsLogits: Bool) {
            self.sequenceID = sequenceID
            self.tokenRange = tokenRange
            self.contextLength = contextLength
            self.blockTable = blockTable
            self.wantsLogits = wantsLogits
        }
    }

    public var tokens: [Int32] = []
    public var positions: [Int32] = []
    /// Cache slot per token: `block * blockSize + offsetInBlock`.
    public var slotMapping: [Int32] = []
    public var slices: [Slice] = []

    public init() {}

    public var isEmpty: Bool { tokens.isEmpty }
    public var logitsRowCount: Int { slices.reduce(0) { $0 + ($1.wantsLogits ? 1 : 0) } }

    /// Adds one sequence's slice: `tokens` at positions `start`, `start + 1`, ..., each token's
    /// cache slot taken from `blockTable`, which covers the context (`start + tokens.count`).
    public mutating func append<Tokens: Collection<Int32>>(sequenceID: Int, tokens: Tokens, from start: Int,
                                                          blockTable: [Int32], blockSize: Int, wantsLogits: Bool) {
        let first = self.tokens.count
        for (pos, token) in zip(start..., tokens) {
            self.tokens.append(token)
            positions.append(Int32(pos))
            slotMapping.append(blockTable[pos / blockSize] * Int32(blockSize) + Int32(pos % blockSize))
        }
        slices.append(Slice(sequenceID: sequenceID, tokenRange: first..<self.tokens.count,
                            contextLength: start + tokens.count, blockTable: blockTable, wantsLogits: wantsLogits))
    }
}

/// Logits for the slices that asked for them, one row of `vocabSize` floats each, in slice order.
public struct Logits: Sendable {
    public let rowCount: Int
    public let vocabSize: Int
    public var values: [Float]

    public init(rowCount: Int, vocabSize: Int, values: [Float]) {
        precondition(values.count == rowCount * vocabSize)
        self.rowCount = rowCount
        self.vocabSize = vocabSize
        self.values = values
    }

    public func row(_ i: Int) -> ArraySlice<Float> {
        values[(i * vocabSize)..<((i + 1) * vocabSize)]
    }
}

/// A backend that runs the model over a paged KV cache it owns (CPU kernels, or CUDA). The
/// scheduler decides which blocks hold what; the backend only reads and writes the slots it is
/// given. Calls are serialised by the engine: one `forward` at a time.
public protocol ModelRunner: AnyObject, Sendable {
    var config: ModelConfig { get }
    /// Tokens per KV block.
    var blockSize: Int { get }
    /// Blocks the cache holds (fixed when the runner is made, from the memory budget).
    var blockCount: Int { get }
    /// Runs one step: writes K/V for every token at its slot, returns logits for the slices that want them.
    func forward(_ batch: ForwardBatch) throws -> Logits
}
