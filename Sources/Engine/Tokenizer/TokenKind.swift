/// What a vocabulary entry is, in llama.cpp's terms (`tokenizer.ggml.token_type`: 1 normal,
/// 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte). Hugging Face added tokens with
/// `special: true` are control tokens, the others user-defined.
public enum TokenKind: UInt8, Sendable {
    case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}
