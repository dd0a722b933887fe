/// What the engine needs from a tokenizer: prompt text to ids, generated ids back to text as it
/// streams, and which ids end a sequence. The Engine's `Tokenizer` conforms; tests use a toy one.
public protocol Detokenizing: Sendable {
    /// Token ids for prompt text that is already fully formatted (chat template applied).
    func encodePrompt(_ text: String) throws -> [TokenID]
    /// A fresh decoder for one request's generated tokens.
    func makeIncrementalDecoder() -> any IncrementalTextDecoding
    /// Ids that end generation unless the request sets `ignoreEOS`.
    var eosTokenIDs: Set<TokenID> { get }
}

/// Turns one request's generated ids into text deltas. `append` returns only complete characters:
/// bytes of a character split over tokens are held until the character is whole, so concatenating
/// the deltas gives the decoded text and no delta ends inside a UTF-8 sequence.
public protocol IncrementalTextDecoding {
    mutating func append(_ id: TokenID) -> String
}
