import Foundation

/// `-o json` for the engine commands: one object on one line, keys sorted. Pretty printing would
/// put every token id on a line of its own; a line is what `jq` and scripts read anyway.
enum JSONLine {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
