/// A token id as the engine carries it (the same width as `ForwardBatch.tokens`).
public typealias TokenID = Int32

/// The identity of a full KV block's contents *and* everything before it: a hash of the parent
/// block's hash and this block's token ids (vLLM's chained block hash). Two sequences with equal
/// hashes at block i have equal tokens in blocks 0...i, so block i's K/V can be shared.
///
/// 64 bits, non-cryptographic and deterministic (FNV-1a over the words, then a SplitMix64
/// finaliser), like vLLM's `xxhash` option. Deterministic so cache behaviour reproduces run to run.
public struct BlockHash: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    /// The parent of the first block.
    public static let root = BlockHash(value: 0xcbf2_9ce4_8422_2325)

    public init(value: UInt64) { self.value = value }

    public init<C: Collection>(parent: BlockHash, tokens: C) where C.Element == TokenID {
        var h = parent.value
        func mix(_ word: UInt64) {
            h ^= word
            h &*= 0x0000_0100_0000_01b3
        }
        mix(UInt64(tokens.count))
        for t in tokens { mix(UInt64(UInt32(bitPattern: t))) }
        // Finalise so that nearby inputs spread over all 64 bits.
        h ^= h >> 30; h &*= 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27; h &*= 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        self.value = h
    }

    public var description: String { String(value, radix: 16) }

    /// The chained hashes of every full block of `tokens`, continuing `existing` (hashes already
    /// computed for the first `existing.count` blocks).
    static func extend(_ existing: inout [BlockHash], tokens: [TokenID], blockSize: Int) {
        let full = tokens.count / blockSize
        while existing.count < full {
            let i = existing.count
            let parent = existing.last ?? .root
            existing.append(BlockHash(parent: parent, tokens: tokens[(i * blockSize)..<((i + 1) * blockSize)]))
        }
    }
}
