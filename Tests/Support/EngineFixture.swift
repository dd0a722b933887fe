import Foundation

/// The cases of ../shared/fixtures/engine/smollm2-135m-q4_1-reference.json: prompts with the
/// token ids and greedy continuations Hugging Face transformers gave for the default model. Shared
/// by the engine's tests and the `kvdeck generate`/`tokenize` tests.
public enum EngineFixture {
    public struct Case: Decodable, Sendable {
        public let name: String
        public let prompt: String
        public let promptIDs: [Int]
        public let generatedIDs: [Int]
        public let generatedText: String

        enum CodingKeys: String, CodingKey {
            case name, prompt
            case promptIDs = "prompt_ids"
            case generatedIDs = "generated_ids"
            case generatedText = "generated_text"
        }
    }

    private struct File: Decodable { let cases: [Case] }

    public static var url: URL { SharedFixtures.root.appendingPathComponent("fixtures/engine/smollm2-135m-q4_1-reference.json") }

    public static func cases() throws -> [Case] {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// The case named `name`; throws when the fixture has none.
    public static func named(_ name: String) throws -> Case {
        guard let c = try cases().first(where: { $0.name == name }) else {
            throw CocoaError(.coderValueNotFound, userInfo: [NSDebugDescriptionErrorKey: "no case \(name) in \(url.path)"])
        }
        return c
    }
}
