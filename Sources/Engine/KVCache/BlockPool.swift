/// The paged KV cache's bookkeeping: which physical blocks are in use by how many sequences, which
/// are free, and which free or used blocks still hold a known prefix (vLLM V1's `BlockPool`).
///
/// Free blocks sit in one LRU queue, cached or not. Allocation pops from the head and evicts the
/// popped block's hash; freeing appends at the tail. So a cached block survives until every block
/// freed before it has been reused, and a cache hit on a free block "touches" it out of the queue.
/// The backend owns the memory; this type only hands out block ids.
public struct BlockPool: Sendable {
    public let blockSize: Int
    public let blockCount: Int

    private var refCounts: [Int32]
    private var hashOfBlock: [BlockHash?]
    private var blockOfHash: [BlockHash: Int32] = [:]

    // The free queue as a doubly linked list over block ids (-1 = none): O(1) removal on a hit.
    private var next: [Int32]
    private var prev: [Int32]
    private var head: Int32 = -1
    private var tail: Int32 = -1
    public private(set) var freeCount: Int

    /// Prefix-cache lookups in tokens, as vLLM counts them (`prefix_cache_queries`/`_hits`).
    public private(set) var queriedTokens = 0
    public private(set) var hitTokens = 0
    /// Cached blocks whose hash was dropped to reuse the block.
    public private(set) var evictions = 0
    /// Frees of a block nobody held: a scheduler bug. Always 0; the tests check.
    public private(set) var invalidFrees = 0

    public init(blockSize: Int, blockCount: Int) {
        precondition(blockSize > 0 && blockCount > 0, "BlockPool needs at least one block of one token")
        self.blockSize = blockSize
        self.blockCount = blockCount
        refCounts = Array(repeating: 0, count: blockCount)
        hashOfBlock = Array(repeating: nil, count: blockCount)
        next = Array(repeating: -1, count: blockCount)
        prev = Array(repeating: -1, count: blockCount)
        freeCount = 0
        for b in 0..<blockCount { pushTail(Int32(b)) }
    }

    /// Fraction of blocks held by sequences (vLLM's `kv_cache_usage_perc`, 0...1). Free blocks that
    /// still hold a cached prefix count as free: they can be reused at once.
    public var usage: Double { 1 - Double(freeCount) / Double(blockCount) }

    public func refCount(_ block: Int32) -> Int { Int(refCounts[Int(block)]) }
    public func hash(of block: Int32) -> BlockHash? { hashOfBlock[Int(block)] }
    public var cachedBlockCount: Int { blockOfHash.count }

    // MARK: Allocation

    /// `count` fresh blocks with reference count 1, or nil (and no change) if too few are free.
    public mutating func allocate(_ count: Int) -> [Int32]? {
        guard count <= freeCount else { return nil }
        var blocks: [Int32] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            let b = head
            unlink(b)
            if let h = hashOfBlock[Int(b)] {
                blockOfHash[h] = nil
                hashOfBlock[Int(b)] = nil
                evictions += 1
            }
            refCounts[Int(b)] = 1
            blocks.append(b)
        }
        return blocks
    }

    /// Takes one more reference on a cached block found by `lookup`, taking it off the free queue
    /// if nobody held it.
    public mutating func touch(_ block: Int32) {
        if refCounts[Int(block)] == 0 { unlink(block) }
        refCounts[Int(block)] += 1
    }

    /// Drops one reference on each block. Blocks reaching zero join the free queue in reverse
    /// order, so a sequence's tail (least likely to be shared) is evicted before its head.
    public mutating func free<C: BidirectionalCollection>(_ blocks: C) where C.Element == Int32 {
        for b in blocks.reversed() {
            guard refCounts[Int(b)] > 0 else { invalidFrees += 1; continue }
            refCounts[Int(b)] -= 1
            if refCounts[Int(b)] == 0 { pushTail(b) }
        }
    }

    // MARK: Prefix cache

    /// The block holding the prefix that ends with the block whose chained hash is `hash`.
    public func lookup(_ hash: BlockHash) -> Int32? { blockOfHash[hash] }

    /// Records that `block` (full and computed) holds the prefix named by `hash`. A second block
    /// with the same contents (two requests prefilled at once) stays uncached; the first one wins.
    public mutating func cache(_ block: Int32, as hash: BlockHash) {
        guard hashOfBlock[Int(block)] == nil, blockOfHash[hash] == nil else { return }
        hashOfBlock[Int(block)] = hash
        blockOfHash[hash] = block
    }

    public mutating func recordLookup(queriedTokens q: Int, hitTokens h: Int) {
        queriedTokens += q
        hitTokens += h
    }

    /// Forgets every cached prefix (vLLM's `reset_prefix_cache`); blocks in use keep their data.
    public mutating func resetPrefixCache() {
        for (_, b) in blockOfHash { hashOfBlock[Int(b)] = nil }
        blockOfHash.removeAll()
    }

    // MARK: Free queue

    private mutating func pushTail(_ b: Int32) {
        prev[Int(b)] = tail
        next[Int(b)] = -1
        if tail >= 0 { next[Int(tail)] = b } else { head = b }
        tail = b
        freeCount += 1
    }

    private mutating func unlink(_ b: Int32) {
        let p = prev[Int(b)], n = next[Int(b)]
        if p >= 0 { next[Int(p)] = n } else { head = n }
        if n >= 0 { prev[Int(n)] = p } else { tail = p }
        prev[Int(b)] = -1
        next[Int(b)] = -1
        freeCount -= 1
    }

    /// Free block ids from the next to be reused to the last (for tests and debugging).
    public var freeQueue: [Int32] {
        var out: [Int32] = []
        var b = head
        while b >= 0 { out.append(b); b = next[Int(b)] }
        return out
    }

    /// Every way the bookkeeping could disagree with itself; empty when sound. For tests.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        let queue = freeQueue
        if queue.count != freeCount { problems.append("free queue holds \(queue.count) blocks, freeCount says \(freeCount)") }
        if Set(queue).count != queue.count { problems.append("a block is in the free queue twice") }
        for b in queue where refCounts[Int(b)] != 0 { problems.append("free block \(b) has refcount \(refCounts[Int(b)])") }
        let zero = refCounts.filter { $0 == 0 }.count
        if zero != queue.count { problems.append("\(zero) blocks have refcount 0 but \(queue.count) are free") }
        if refCounts.contains(where: { $0 < 0 }) { problems.append("negative refcount") }
        for (h, b) in blockOfHash where hashOfBlock[Int(b)] != h { problems.append("cache map and block \(b) disagree") }
        if invalidFrees > 0 { problems.append("\(invalidFrees) frees of unheld blocks") }
        return problems
    }
}
