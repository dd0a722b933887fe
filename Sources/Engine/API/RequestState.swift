/// Everything the engine keeps about one request besides its tokens and blocks (those are the
/// scheduler's): sampling state, text decoding and stop matching, and timestamps for the metrics.
struct RequestState {
    let requestID: String
    let params: SamplingParams
    let promptCount: Int
    var rng: SeededRandom
    var decoder: any IncrementalTextDecoding
    var stopMatcher: StopStringMatcher
    let stopTokenIDs: Set<TokenID>
    var generated = 0

    // Monotonic seconds (EngineClock): arrival → first scheduled → first token → last token.
    let arrival: Double
    var scheduled: Double?
    var firstToken: Double?
    var lastToken: Double?

    init(requestID: String, params: SamplingParams, promptCount: Int, eos: Set<TokenID>,
         decoder: any IncrementalTextDecoding, arrival: Double) {
        self.requestID = requestID
        self.params = params
        self.promptCount = promptCount
        self.rng = params.seed.map(SeededRandom.init(seed:)) ?? SeededRandom()
        self.decoder = decoder
        self.stopMatcher = StopStringMatcher(stops: params.stop, includeStopInOutput: params.includeStopStringInOutput)
        self.stopTokenIDs = Set(params.stopTokenIDs).union(params.ignoreEOS ? [] : eos)
        self.arrival = arrival
    }

    /// Takes one generated token: its text (held back or cut at a stop string) and whether the
    /// request is now finished. `totalTokens` counts prompt and output, this token included.
    mutating func accept(_ token: TokenID, totalTokens: Int, maxModelLen: Int) -> (text: String, finish: (FinishReason, StopReason?)?) {
        generated += 1
        var text = ""
        var finish: (FinishReason, StopReason?)?
        if stopTokenIDs.contains(token) {
            // Stop tokens end the text without being decoded (they are usually special tokens).
            finish = (.stop, .token(token))
        } else {
            text = stopMatcher.feed(decoder.append(token))
            if let s = stopMatcher.matched { finish = (.stop, .string(s)) }
        }
        if finish == nil, generated >= (params.maxTokens ?? .max) || totalTokens >= maxModelLen {
            finish = (.length, nil)
        }
        if finish != nil { text += stopMatcher.flush() }
        return (text, finish)
    }
}

/// The engine's one clock: monotonic seconds since the engine was made.
public enum EngineClock {
    public static func monotonic() -> @Sendable () -> Double {
        let start = ContinuousClock.now
        return {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
    }
}
