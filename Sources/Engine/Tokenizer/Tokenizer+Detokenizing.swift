/// The engine's view of the tokenizer (`Detokenizing`): prompts are already formatted, so no
/// BOS is added here (chat templates write it themselves; the completions API adds it before
/// submitting token ids when the tokenizer asks for one), and special tokens in generated text are
/// skipped, as vLLM's `skip_special_tokens=True` default does.
extension Tokenizer: Detokenizing {
    public func encodePrompt(_ text: String) throws -> [TokenID] {
        encode(text, addSpecialTokens: false, parseSpecial: true).map { TokenID($0) }
    }

    public func makeIncrementalDecoder() -> any IncrementalTextDecoding {
        incrementalDecoder(skipSpecial: true)
    }

    public var eosTokenIDs: Set<TokenID> { Set(endOfGenerationTokenIDs.map { TokenID($0) }) }
}

extension IncrementalDecoder: IncrementalTextDecoding {
    public mutating func append(_ id: TokenID) -> String { append(Int(id)) }
}
