/// One sequence as the scheduler sees it: its tokens, how many have K/V in the cache, and the
/// blocks holding them. Prefill and decode are the same thing here: each step computes some of
/// the tokens not yet computed (vLLM V1's `num_computed_tokens` design).
struct SequenceState: Sendable {
    let id: Int
    /// Prompt then generated tokens. After a preemption all of them are recomputed as a prompt.
    var tokens: [TokenID]
    let promptCount: Int
    /// Leading tokens whose K/V is in `blockTable`'s blocks.
    var computed = 0
    var blockTable: [Int32] = []
    /// Chained hashes of the full blocks of `tokens` (grown lazily; tokens never change).
    var blockHashes: [BlockHash] = []
    /// Leading blocks of `blockTable` already registered in the prefix cache (or found there).
    var cachedBlocks = 0
    /// Prompt tokens served from the prefix cache at the first admission (OpenAI `cached_tokens`).
    var cachedPromptTokens = 0
    var admissions = 0

    init(id: Int, prompt: [TokenID]) {
        self.id = id
        self.tokens = prompt
        self.promptCount = prompt.count
    }

    /// Every token but the newest sampled one is computed: the next step feeds one token.
    var isDecoding: Bool { computed > 0 && tokens.count - computed == 1 }
}
