import Engine
import Foundation

/// What `kvdeck generate -o json` prints, and the one-line summary plain output ends with.
struct GenerateReport: Encodable {
    struct Timings: Encodable {
        var loadSeconds: Double
        var timeToFirstTokenSeconds: Double?
        var decodeTokensPerSecond: Double?
        var totalSeconds: Double

        enum CodingKeys: String, CodingKey {
            case loadSeconds = "load_s", timeToFirstTokenSeconds = "ttft_s"
            case decodeTokensPerSecond = "decode_tokens_per_s", totalSeconds = "total_s"
        }
    }

    struct UsageCounts: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", completionTokens = "completion_tokens" }
    }

    var model: String
    var promptTokenIDs: [TokenID]
    var tokenIDs: [TokenID]
    var text: String
    /// vLLM's `finish_reason`: stop, length or abort.
    var finishReason: String
    /// vLLM's `stop_reason`: the stop token id or stop string that ended it; absent after `length`.
    var stopReason: StopReasonValue?
    var usage: UsageCounts
    var timings: Timings

    enum CodingKeys: String, CodingKey {
        case model, text, usage, timings
        case promptTokenIDs = "prompt_token_ids", tokenIDs = "token_ids"
        case finishReason = "finish_reason", stopReason = "stop_reason"
    }

    enum StopReasonValue: Encodable {
        case token(TokenID)
        case string(String)
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .token(let id): try c.encode(id)
            case .string(let s): try c.encode(s)
            }
        }
    }

    init(model: String, run: OneCompletion, loadSeconds: Double) {
        self.model = model
        promptTokenIDs = run.promptTokenIDs
        tokenIDs = run.tokenIDs
        text = run.text
        finishReason = run.finish?.reason.rawValue ?? FinishReason.abort.rawValue
        switch run.finish?.stopReason {
        case .token(let id)?: stopReason = .token(id)
        case .string(let s)?: stopReason = .string(s)
        case nil: stopReason = nil
        }
        usage = UsageCounts(promptTokens: run.promptTokenIDs.count, completionTokens: run.tokenIDs.count)
        timings = Timings(loadSeconds: loadSeconds, timeToFirstTokenSeconds: run.timeToFirstToken,
                          decodeTokensPerSecond: run.decodeTokensPerSecond, totalSeconds: run.total)
    }

    func json() throws -> String { try JSONLine.string(self) }

    /// "stop after 8 tokens (37 prompt tokens); time to first token 0.12 s, 31.0 tokens/s, 0.35 s in all"
    var summary: String {
        func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        var s = "\(finishReason) after \(tokenIDs.count) tokens (\(promptTokenIDs.count) prompt tokens)"
        if let t = timings.timeToFirstTokenSeconds { s += "; time to first token \(f(t, 3)) s" }
        if let r = timings.decodeTokensPerSecond { s += ", \(f(r, 1)) tokens/s" }
        return s + ", \(f(timings.totalSeconds, 2)) s in all"
    }
}
