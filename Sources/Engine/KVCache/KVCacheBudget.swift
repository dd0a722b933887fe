/// How many KV blocks a byte budget (`--kv-cache-memory`) buys for a model: the sizing step of
/// vLLM's `determine_available_memory` when `--kv-cache-memory-bytes` is given.
public enum KVCacheBudget {
    public static let defaultBlockSize = 16

    /// Bytes one block takes across all layers, K and V.
    public static func bytesPerBlock(config: ModelConfig, blockSize: Int = defaultBlockSize) -> Int {
        config.kvBytesPerToken * blockSize
    }

    /// Whole blocks that fit in `bytes`. Throws when not even one request of `minimumTokens` fits,
    /// saying how much memory would.
    public static func blockCount(bytes: Int, config: ModelConfig, blockSize: Int = defaultBlockSize,
                                  minimumTokens: Int = 1) throws(EngineError) -> Int {
        guard blockSize > 0 else { throw .invalidConfiguration("block size must be positive, got \(blockSize)") }
        let perBlock = bytesPerBlock(config: config, blockSize: blockSize)
        let blocks = perBlock > 0 ? bytes / perBlock : 0
        let needed = (max(minimumTokens, 1) + blockSize - 1) / blockSize
        guard blocks >= needed else {
            throw .invalidConfiguration(
                "--kv-cache-memory of \(bytes) bytes holds \(blocks) blocks of \(blockSize) tokens " +
                "(\(perBlock) bytes each); at least \(needed * perBlock) bytes are needed for \(minimumTokens) tokens")
        }
        return blocks
    }
}
