import CKernels
import Foundation

/// A token and its log-probability.
public struct TokenLogprob: Sendable, Equatable {
    public var token: TokenID
    public var logprob: Float
    public init(token: TokenID, logprob: Float) { self.token = token; self.logprob = logprob }
}

/// Log-probabilities reported with a sampled token, computed from the model's raw logits (before
/// penalties and temperature: vLLM V1's default `raw_logprobs`).
public struct TokenLogprobs: Sendable, Equatable {
    public var chosen: Float
    /// 1 for the most likely token.
    public var rank: Int
    /// The `logprobs` most likely tokens, most likely first (ties: lower id first).
    public var top: [TokenLogprob]

    public init(chosen: Float, rank: Int, top: [TokenLogprob]) {
        self.chosen = chosen
        self.rank = rank
        self.top = top
    }
}

public struct SampledToken: Sendable, Equatable {
    public var token: TokenID
    public var logprobs: TokenLogprobs?
}

/// Picks one token from a row of logits with vLLM V1's order of operations: penalties, then
/// greedy argmax or temperature → min-p → top-k → top-p → a draw from the request's own generator.
public enum Sampler {
    public static func sample(_ logits: ArraySlice<Float>, params: SamplingParams,
                              prompt: ArraySlice<TokenID>, output: ArraySlice<TokenID>,
                              rng: inout SeededRandom) -> SampledToken {
        let token: Int
        if params.isGreedy && !params.hasPenalties {
            token = argmax(logits)  // nothing to change: no copy of the row
        } else if !params.hasPenalties && !filters(params, vocabulary: logits.count) {
            // Temperature alone (OpenAI's default): the draw scales as it reads, no copy of the row.
            token = draw(logits, scale: Float(1 / params.temperature), &rng)
        } else {
            var l = Array(logits)
            applyPenalties(&l, params: params, prompt: prompt, output: output)
            token = params.isGreedy ? argmax(l[...]) : sampleFiltered(&l, params: params, rng: &rng)
        }
        let logprobs = params.logprobs.map { Self.logprobs(raw: logits, chosen: token, top: $0) }
        return SampledToken(token: TokenID(token), logprobs: logprobs)
    }

    /// Temperature, min-p, top-k and top-p on a row of penalised logits, then the draw.
    private static func sampleFiltered(_ l: inout [Float], params: SamplingParams, rng: inout SeededRandom) -> Int {
        let inv = Float(1 / params.temperature)
        guard filters(params, vocabulary: l.count) else { return draw(l[...], scale: inv, &rng) }
        for i in l.indices { l[i] *= inv }
        if params.minP > 0 { applyMinP(&l, params.minP) }
        if params.topK > 0 && params.topK < l.count { applyTopK(&l, params.topK) }
        if params.topP < 1 { applyTopP(&l, params.topP) }
        return draw(l[...], scale: 1, &rng)
    }

    /// Whether min-p, top-k or top-p removes anything from a row of `vocabulary` logits.
    private static func filters(_ params: SamplingParams, vocabulary: Int) -> Bool {
        params.minP > 0 || (params.topK > 0 && params.topK < vocabulary) || params.topP < 1
    }

    // MARK: Steps (internal so the tests can check each one on a hand-made distribution)

    /// vLLM `apply_penalties`: repetition over prompt and output tokens; presence and frequency
    /// over output tokens only.
    static func applyPenalties(_ l: inout [Float], params: SamplingParams, prompt: ArraySlice<TokenID>, output: ArraySlice<TokenID>) {
        if params.repetitionPenalty != 1 {
            let r = Float(params.repetitionPenalty)
            var seen = Set<TokenID>()
            for t in prompt where seen.insert(t).inserted { penalise(&l, t, r) }
            for t in output where seen.insert(t).inserted { penalise(&l, t, r) }
        }
        if params.presencePenalty != 0 || params.frequencyPenalty != 0 {
            var counts: [TokenID: Int] = [:]
            for t in output { counts[t, default: 0] += 1 }
            for (t, c) in counts where t >= 0 && Int(t) < l.count {
                l[Int(t)] -= Float(params.frequencyPenalty) * Float(c) + Float(params.presencePenalty)
            }
        }
    }

    private static func penalise(_ l: inout [Float], _ t: TokenID, _ r: Float) {
        guard t >= 0, Int(t) < l.count else { return }
        l[Int(t)] = l[Int(t)] > 0 ? l[Int(t)] / r : l[Int(t)] * r
    }

    static func applyMinP(_ l: inout [Float], _ minP: Double) {
        // p_i >= minP * p_max  <=>  l_i >= l_max + log(minP). A float is below the double `cut`
        // exactly when it is below the smallest float not under `cut`.
        let m = l.withUnsafeBufferPointer { kvd_row_max(isa, $0.baseAddress, Int32($0.count)) }
        guard m.isFinite else { return }
        let cut = Double(m) + log(minP)
        var floatCut = Float(cut)
        if Double(floatCut) < cut { floatCut = floatCut.nextUp }
        maskBelow(&l, floatCut)
    }

    /// Keeps tokens whose logit is at least the k-th largest (ties at the k-th value stay, as in vLLM).
    static func applyTopK(_ l: inout [Float], _ k: Int) {
        guard let kth = largest(l[...], k).last.map({ l[$0] }) else { return }
        maskBelow(&l, kth)
    }

    private static func maskBelow(_ l: inout [Float], _ cut: Float) {
        l.withUnsafeMutableBufferPointer { kvd_mask_below(isa, $0.baseAddress, Int32($0.count), cut) }
    }

    /// Indices of the `n` largest values, largest first, ties lower index first; NaN never counts.
    /// In C (kvd_top_n): a heap of `n` behind a vector compare with its smallest, where a bounded
    /// insertion in Swift took ~0.15 ms a row of 49k. (If its scratch cannot be allocated: none.)
    static func largest(_ l: ArraySlice<Float>, _ n: Int) -> [Int] {
        let k = min(n, l.count)
        guard k > 0 else { return [] }
        var out = [Int32](repeating: 0, count: k)
        let found = l.withUnsafeBufferPointer { row in
            out.withUnsafeMutableBufferPointer { kvd_top_n(isa, row.baseAddress, Int32(row.count), Int32(k), $0.baseAddress) }
        }
        return out.prefix(max(Int(found), 0)).map(Int.init)
    }

    /// Drops the least likely tokens whose probabilities sum to at most 1 - p; the most likely
    /// token always stays.
    /// In C (kvd_top_p): it buckets instead of sorting the vocabulary, which in Swift took ~8 ms
    /// a sequence a step. (If its scratch cannot be allocated the row stays unfiltered.)
    static func applyTopP(_ l: inout [Float], _ p: Double) {
        _ = l.withUnsafeMutableBufferPointer { kvd_top_p(isa, $0.baseAddress, Int32($0.count), p) }
    }

    /// The two passes every step makes over every row run in C (kvd_sample.h), with the SIMD
    /// code this CPU has: in Swift, with a double exp per value, they were a quarter of a served
    /// 32-sequence step.
    private static let isa = CPUKernelPath.best.rawValue

    /// The first index of the largest value; NaN never wins.
    static func argmax(_ l: ArraySlice<Float>) -> Int {
        l.withUnsafeBufferPointer { Int(kvd_argmax(isa, $0.baseAddress, Int32($0.count))) }
    }

    /// A draw from softmax(l) (float32 probabilities, as vLLM samples): the first index whose
    /// cumulative probability exceeds the generator's next unit value; -inf is never drawn.
    /// A draw from softmax(l * scale); the product is the float a scaled copy would hold.
    static func draw(_ l: ArraySlice<Float>, scale: Float, _ rng: inout SeededRandom) -> Int {
        let u = rng.nextUnit()
        return l.withUnsafeBufferPointer { Int(kvd_sample_softmax_scaled(isa, $0.baseAddress, Int32($0.count), scale, u)) }
    }

    /// log-softmax values: x - log(sum(exp(x))), the normaliser from C (kvd_log_sum_exp, float32
    /// exp summed in double), where a double exp per vocabulary entry cost ~0.5 ms a sequence a step.
    /// Only the values reported are computed; ranks and the top tokens come from the raw logits,
    /// whose order the log-softmax keeps.
    static func logprobs(raw: ArraySlice<Float>, chosen: Int, top n: Int) -> TokenLogprobs {
        let lse = raw.withUnsafeBufferPointer { kvd_log_sum_exp(isa, $0.baseAddress, Int32($0.count)) }
        func logprob(_ i: Int) -> Float { Float(Double(raw[raw.startIndex + i]) - lse) }
        let top = n > 0 ? largest(raw, n).map { TokenLogprob(token: TokenID($0), logprob: logprob($0)) } : []
        let chosenLogit = raw[raw.startIndex + chosen]
        let rank = 1 + Int(raw.withUnsafeBufferPointer { kvd_count_greater(isa, $0.baseAddress, Int32($0.count), chosenLogit) })
        return TokenLogprobs(chosen: logprob(chosen), rank: rank, top: top)
    }
}
