/// The scheduler's limits (vLLM's `SchedulerConfig` + `CacheConfig`, the parts we have).
public struct SchedulerConfig: Sendable, Equatable {
    public var blockSize: Int
    public var blockCount: Int
    /// Tokens in one forward step, prefill chunks and decodes together (`--max-num-batched-tokens`).
    public var maxNumBatchedTokens: Int
    /// Sequences in the running set (`--max-num-seqs`).
    public var maxNumSeqs: Int
    public var enablePrefixCaching: Bool

    public init(blockSize: Int, blockCount: Int, maxNumBatchedTokens: Int = 2048, maxNumSeqs: Int = 256,
                enablePrefixCaching: Bool = true) {
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSeqs = maxNumSeqs
        self.enablePrefixCaching = enablePrefixCaching
    }

    func blocks(forTokens n: Int) -> Int { (n + blockSize - 1) / blockSize }
}
