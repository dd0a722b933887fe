import Foundation

/// How many KV blocks a byte budget (`--kv-cache-memory`) buys for a model: the sizing step of
/// vLLM's `determine_available_memory` when `--kv-cache-memory-bytes` is given.
public enum KVCacheBudget {
    public static let defaultBlockSize = 16

    /// Reads a size as `--kv-cache-memory` takes it: plain bytes, or a number with a unit
    /// (`K`/`M`/`G`/`T` and their `KiB`.. forms are powers of 1024; `KB`/`MB`/`GB`/`TB` powers of 1000).
    public static func parseBytes(_ text: String) throws(EngineError) -> Int {
        let t = text.trimmingCharacters(in: .whitespaces)
        let digits = t.prefix { $0.isNumber || $0 == "." }
        let unit = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let scale: Double? = switch unit {
        case "", "b": 1
        case "k", "ki", "kib": 1024
        case "m", "mi", "mib": 1_048_576
        case "g", "gi", "gib": 1_073_741_824
        case "t", "ti", "tib": 1_099_511_627_776
        case "kb": 1e3
        case "mb": 1e6
        case "gb": 1e9
        case "tb": 1e12
        default: nil
        }
        guard let value = Double(digits), let scale, value > 0, (value * scale) < Double(Int.max) else {
            throw .invalidConfiguration("--kv-cache-memory \"\(text)\" is not a size; write bytes or a number with a unit, e.g. 512MiB or 4GiB")
        }
        return Int(value * scale)
    }

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
