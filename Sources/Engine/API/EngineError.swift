/// Why the engine refused or failed a request, worded for the person who sent it.
/// The server maps `invalidRequest`/`promptTooLong`/`duplicateRequestID` to HTTP 400.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The engine's own settings cannot work (pool too small for `maxModelLen`, zero budget, ...).
    case invalidConfiguration(String)
    /// A sampling parameter or prompt is out of range; the message names the field.
    case invalidRequest(String)
    case promptTooLong(promptTokens: Int, maxModelLen: Int)
    case duplicateRequestID(String)
    /// The backend threw during a forward step; every request in that step fails with this.
    case forwardFailed(String)
    /// The text prompt could not be tokenized.
    case tokenizationFailed(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let m): return "engine configuration: \(m)"
        case .invalidRequest(let m): return m
        case .promptTooLong(let n, let max):
            return "the prompt has \(n) tokens but this engine's maximum context length is \(max); shorten the prompt or raise --max-model-len"
        case .duplicateRequestID(let id): return "a request with id \"\(id)\" is already running; use a unique request id"
        case .forwardFailed(let m): return "the model backend failed during a forward step: \(m)"
        case .tokenizationFailed(let m): return "could not tokenize the prompt: \(m)"
        }
    }
}
