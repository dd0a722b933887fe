/// What one `schedule()` decided: the batch for the backend and, per slice, how many tokens it
/// computes. `commit` needs it back after the forward step.
public struct ScheduledStep: Sendable {
    public struct Entry: Sendable, Equatable {
        public var sequenceID: Int
        public var tokenCount: Int
        /// Row in the step's logits, when the slice reaches the sequence's newest token.
        public var logitsRow: Int?
        /// The sequence's first admission (its queue time ends now).
        public var isFirstAdmission: Bool
    }

    public var batch: ForwardBatch
    public var entries: [Entry]
    /// Sequences sent back to the waiting queue to free blocks for this step.
    public var preempted: [Int]
}

/// Continuous batching over a paged KV cache (vLLM V1's scheduler, nano-vllm's size).
///
/// Every step spends a token budget: first on running sequences (decodes before unfinished
/// prefills, so inter-token latency does not wait on a long prompt), then on waiting sequences in
/// arrival order. A prompt longer than what is left of the budget is computed in chunks over
/// several steps. When a running sequence needs a block and none is free, the most recently
/// admitted sequence not yet scheduled in this step is preempted: its blocks are freed and it goes
/// back to the front of the queue to be recomputed (with its generated tokens) later.
public struct Scheduler: Sendable {
    public let config: SchedulerConfig
    public private(set) var pool: BlockPool
    private var sequences: [Int: SequenceState] = [:]
    /// Admission order. Preempted sequences re-enter at the front.
    private var waiting: [Int] = []
    /// Admission order; the tail is preempted first.
    private var running: [Int] = []
    public private(set) var preemptionCount = 0

    public init(config: SchedulerConfig) {
        self.config = config
        self.pool = BlockPool(blockSize: config.blockSize, blockCount: config.blockCount)
    }

    public var runningCount: Int { running.count }
    /// Waiting sequence ids, next to be admitted first.
    public var waitingIDs: [Int] { waiting }
    public var waitingCount: Int { waiting.count }
    public var hasWork: Bool { !running.isEmpty || !waiting.isEmpty }

    public func contains(_ id: Int) -> Bool { sequences[id] != nil }
    public func tokens(of id: Int) -> [TokenID]? { sequences[id]?.tokens }
    public func promptCount(of id: Int) -> Int? { sequences[id]?.promptCount }
    public func cachedPromptTokens(of id: Int) -> Int { sequences[id]?.cachedPromptTokens ?? 0 }

    /// Queues a new sequence. The caller has checked the prompt against the context limit.
    public mutating func add(sequenceID id: Int, prompt: [TokenID]) {
        precondition(sequences[id] == nil && !prompt.isEmpty, "sequence ids are unique and prompts non-empty")
        sequences[id] = SequenceState(id: id, prompt: prompt)
        waiting.append(id)
    }

    /// Drops a sequence wherever it is (finished, aborted, or failed) and frees its blocks now.
    @discardableResult
    public mutating func remove(_ id: Int) -> Bool {
        guard let s = sequences.removeValue(forKey: id) else { return false }
        pool.free(s.blockTable)
        if let i = running.firstIndex(of: id) { running.remove(at: i) }
        if let i = waiting.firstIndex(of: id) { waiting.remove(at: i) }
        return true
    }

    // MARK: Scheduling

    public mutating func schedule() -> ScheduledStep {
        var budget = config.maxNumBatchedTokens
        var plan: [(id: Int, count: Int, first: Bool)] = []
        var scheduled = Set<Int>()
        var preempted: [Int] = []

        let order = running.filter { sequences[$0]!.isDecoding } + running.filter { !sequences[$0]!.isDecoding }
        for id in order where budget > 0 && !preempted.contains(id) {
            let s = sequences[id]!
            let count = min(s.tokens.count - s.computed, budget)
            guard count > 0 else { continue }
            let needed = config.blocks(forTokens: s.computed + count) - s.blockTable.count
            var fits = true
            while pool.freeCount < needed {
                // There is always one: `id` itself is running and not yet scheduled.
                let victim = running.last { !scheduled.contains($0) }!
                preempt(victim)
                preempted.append(victim)
                if victim == id { fits = false; break }
            }
            guard fits else { continue }
            grow(id, by: needed)
            plan.append((id, count, false))
            scheduled.insert(id)
            budget -= count
        }

        // As in vLLM, a step that had to preempt admits nobody: memory is short already.
        while preempted.isEmpty, budget > 0, running.count < config.maxNumSeqs, let id = waiting.first {
            guard let admitted = admit(id, budget: budget) else { break }
            waiting.removeFirst()
            running.append(id)
            plan.append((id, admitted.count, admitted.first))
            budget -= admitted.count
        }
        return makeStep(plan, preempted: preempted)
    }

    /// Looks the sequence up in the prefix cache and takes the blocks for its first chunk.
    /// nil when the blocks are not there (the queue waits: first come, first served).
    private mutating func admit(_ id: Int, budget: Int) -> (count: Int, first: Bool)? {
        var s = sequences[id]!
        var hits: [Int32] = []
        if config.enablePrefixCaching {
            BlockHash.extend(&s.blockHashes, tokens: s.tokens, blockSize: config.blockSize)
            // Leave at least the last token to compute: its logits pick the next token.
            let maxHits = (s.tokens.count - 1) / config.blockSize
            for i in 0..<maxHits {
                guard let b = pool.lookup(s.blockHashes[i]) else { break }
                hits.append(b)
            }
        }
        let cachedTokens = hits.count * config.blockSize
        let count = min(s.tokens.count - cachedTokens, budget)
        let needed = config.blocks(forTokens: cachedTokens + count) - hits.count
        let hitsOnFreeQueue = hits.reduce(0) { $0 + (pool.refCount($1) == 0 ? 1 : 0) }
        guard pool.freeCount - hitsOnFreeQueue >= needed else {
            sequences[id] = s  // keep the hashes computed
            return nil
        }
        if config.enablePrefixCaching { pool.recordLookup(queriedTokens: s.tokens.count, hitTokens: cachedTokens) }
        for b in hits { pool.touch(b) }
        s.blockTable = hits
        s.cachedBlocks = hits.count
        s.computed = cachedTokens
        let first = s.admissions == 0
        if first { s.cachedPromptTokens = min(cachedTokens, s.promptCount) }
        s.admissions += 1
        sequences[id] = s
        grow(id, by: needed)
        return (count, first)
    }

    private mutating func grow(_ id: Int, by blocks: Int) {
        guard blocks > 0 else { return }
        // Callers checked freeCount, so this cannot fail.
        let fresh = pool.allocate(blocks)!
        sequences[id]!.blockTable.append(contentsOf: fresh)
    }

    private mutating func preempt(_ id: Int) {
        var s = sequences[id]!
        pool.free(s.blockTable)
        s.blockTable = []
        s.cachedBlocks = 0
        s.computed = 0
        sequences[id] = s
        running.removeAll { $0 == id }
        waiting.insert(id, at: 0)
        preemptionCount += 1
    }

    /// Lays the plan out as the backend's batch (the `ForwardBatch` contract).
    private func makeStep(_ plan: [(id: Int, count: Int, first: Bool)], preempted: [Int]) -> ScheduledStep {
        var batch = ForwardBatch()
        var entries: [ScheduledStep.Entry] = []
        var row = 0
        let bs = config.blockSize
        for (id, count, first) in plan {
            let s = sequences[id]!
            let context = s.computed + count
            let wantsLogits = context == s.tokens.count
            batch.append(sequenceID: id, tokens: s.tokens[s.computed..<context], from: s.computed,
                         blockTable: Array(s.blockTable.prefix(config.blocks(forTokens: context))), blockSize: bs,
                         wantsLogits: wantsLogits)
            entries.append(.init(sequenceID: id, tokenCount: count, logitsRow: wantsLogits ? row : nil, isFirstAdmission: first))
            if wantsLogits { row += 1 }
        }
        return ScheduledStep(batch: batch, entries: entries, preempted: preempted)
    }

    // MARK: After the forward step

    /// Marks the step's tokens computed, caches blocks that became full, and appends each sampled
    /// token. Sequences removed since `schedule()` (aborted mid-step) are skipped.
    public mutating func commit(_ step: ScheduledStep, sampled: [Int: TokenID]) {
        for e in step.entries {
            // Taken out and put back so that appending to `tokens` never copies the array.
            guard var s = sequences.removeValue(forKey: e.sequenceID) else { continue }
            s.computed += e.tokenCount
            if config.enablePrefixCaching {
                BlockHash.extend(&s.blockHashes, tokens: s.tokens, blockSize: config.blockSize)
                let full = s.computed / config.blockSize
                for i in s.cachedBlocks..<max(full, s.cachedBlocks) { pool.cache(s.blockTable[i], as: s.blockHashes[i]) }
                s.cachedBlocks = max(full, s.cachedBlocks)
            }
            if let t = sampled[e.sequenceID] { s.tokens.append(t) }
            sequences[e.sequenceID] = s
        }
    }

    // MARK: Introspection

    /// Slots in blocks held by running sequences, and how many of them hold computed tokens. Only a
    /// sequence's last block can be partly empty, so the difference stays under one block each.
    public var slotAccounting: (allocated: Int, used: Int) {
        running.reduce((0, 0)) { acc, id in
            let s = sequences[id]!
            return (acc.0 + s.blockTable.count * config.blockSize, acc.1 + s.computed)
        }
    }

    public mutating func resetPrefixCache() { pool.resetPrefixCache() }
}
