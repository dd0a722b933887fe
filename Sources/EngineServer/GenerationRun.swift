import Engine
import Foundation
import YAML

/// One generation's events turned into its HTTP answer: SSE frames as tokens come, or one JSON
/// body at the end. Knows nothing of sockets: `emit` writes a frame (and throws when the client
/// has gone), so the framing is testable on its own.
struct GenerationRun {
    let plan: GenerationPlan
    let json: CompletionJSON
    /// Ids after which the engine ends the request (its EOS set unless `ignore_eos`, plus
    /// `stop_token_ids`), and where the context runs out: to know a delta is the last one.
    let stopTokenIDs: Set<TokenID>
    let maxModelLen: Int

    /// How a run ended, for the request log.
    struct Outcome: Sendable {
        var finish: GenerationEvent.Finish?
        var firstTokenAfter: Duration?
    }

    init(plan: GenerationPlan, requestID: String, created: Int, tokenizer: Tokenizer, maxModelLen: Int) {
        self.plan = plan
        self.json = CompletionJSON(plan: plan, id: requestID, created: created, tokenizer: tokenizer)
        var stops = Set(plan.sampling.stopTokenIDs)
        if !plan.sampling.ignoreEOS { stops.formUnion(tokenizer.eosTokenIDs) }
        self.stopTokenIDs = stops
        self.maxModelLen = maxModelLen
    }

    /// Writes the stream: chat's role chunk, a chunk per delta that has text (or logprobs), the
    /// finish reason on the last content chunk, the usage chunk if asked, then `[DONE]`.
    /// An engine failure becomes an error chunk. A throwing `emit` ends the run by rethrowing.
    func stream(_ events: AsyncThrowingStream<GenerationEvent, Error>,
                emit: (String) async throws -> Void) async throws -> Outcome {
        let start = ContinuousClock.now
        var outcome = Outcome()
        var generated = 0
        var textSoFar = 0
        if plan.api == .chat { try await emit(ServerSentEvents.frame(json.roleChunk())) }
        if plan.echo { try await emit(ServerSentEvents.frame(json.contentChunk(text: plan.promptText, logprobs: nil, finish: nil, generated: 0))) }
        // A delta the engine must end the request after is held for a moment: its `finished`
        // event was delivered with it, and they go out as one chunk.
        var held: GenerationEvent.Delta?
        do {
            for try await event in events {
                switch event {
                case .delta(let d):
                    if outcome.firstTokenAfter == nil { outcome.firstTokenAfter = ContinuousClock.now - start }
                    generated += d.tokenIDs.count
                    if let h = held { try await emit(frame(h, finish: nil, generated: generated, offset: &textSoFar)) }
                    held = nil
                    if isLast(d, generated: generated) {
                        held = d
                    } else if !d.text.isEmpty || plan.sampling.logprobs != nil {
                        try await emit(frame(d, finish: nil, generated: generated, offset: &textSoFar))
                    }
                case .finished(let f):
                    outcome.finish = f
                    let last = held ?? GenerationEvent.Delta(text: "", tokenIDs: [], logprobs: [])
                    held = nil
                    try await emit(frame(last, finish: f, generated: generated, offset: &textSoFar))
                    if plan.includeUsage { try await emit(ServerSentEvents.frame(json.usageChunk(f.usage))) }
                }
            }
        } catch let e as EngineError {
            try await emit(ServerSentEvents.errorFrames(APIError(e)))
            return outcome
        }
        try await emit(ServerSentEvents.done)
        return outcome
    }

    /// Runs to the end and returns the whole response body (or the error to answer).
    func collect(_ events: AsyncThrowingStream<GenerationEvent, Error>) async throws(APIError) -> (JSONValue, Outcome) {
        let start = ContinuousClock.now
        var outcome = Outcome()
        var text = ""
        var logprobs = plan.sampling.logprobs == nil ? nil : LogprobsJSON(api: plan.api, tokenizer: json.tokenizer)
        do {
            for try await event in events {
                switch event {
                case .delta(let d):
                    if outcome.firstTokenAfter == nil { outcome.firstTokenAfter = ContinuousClock.now - start }
                    text += d.text
                    logprobs?.append(tokens: d.tokenIDs, logprobs: d.logprobs)
                case .finished(let f):
                    outcome.finish = f
                }
            }
        } catch let e as EngineError {
            throw APIError(e)
        } catch {
            throw .internalError("generation ended: \(error)")
        }
        guard let finish = outcome.finish else { throw .internalError("the engine ended the request without a finish") }
        return (json.response(text: text, logprobs: logprobs, finish: finish), outcome)
    }

    /// Whether the engine will finish the request with this delta (a stop token, max_tokens, or
    /// a full context), so its finish reason can ride on the same chunk.
    func isLast(_ d: GenerationEvent.Delta, generated: Int) -> Bool {
        if let t = d.tokenIDs.last, stopTokenIDs.contains(t) { return true }
        if let m = plan.sampling.maxTokens, generated >= m { return true }
        return plan.prompt.count + generated >= maxModelLen
    }

    private func frame(_ d: GenerationEvent.Delta, finish: GenerationEvent.Finish?, generated: Int, offset: inout Int) -> String {
        var logprobs: LogprobsJSON?
        if plan.sampling.logprobs != nil, !d.tokenIDs.isEmpty {
            var l = LogprobsJSON(api: plan.api, tokenizer: json.tokenizer, textOffset: offset)
            l.append(tokens: d.tokenIDs, logprobs: d.logprobs)
            offset += l.textLength
            logprobs = l
        }
        return ServerSentEvents.frame(json.contentChunk(text: d.text, logprobs: logprobs, finish: finish, generated: generated))
    }
}
