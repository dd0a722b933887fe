import Foundation
import KvdeckTestSupport
import XCTest

/// `kvdeck tokenize` on the default model against the reference tokenizer's ids.
final class TokenizeCommandTests: XCTestCase {
    func testIdsEqualTheReferencePromptIds() throws {
        for c in try EngineFixture.cases() {
            let r = try EngineCommand.run(["tokenize", "default", c.prompt])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, c.promptIDs.map(String.init).joined(separator: " ") + "\n", c.name)
        }
    }

    func testChatRendersAUserMessageWithTheModelsFormat() throws {
        let fixture = try EngineFixture.named("chat_capital")
        let r = try EngineCommand.run(["tokenize", "default", "--chat", "What is the capital of France?"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, fixture.promptIDs.map(String.init).joined(separator: " ") + "\n")
    }

    func testJSONFromStandardInputHasIdsAndPieces() throws {
        let fixture = try EngineFixture.named("raw_story")
        let r = try EngineCommand.run(["tokenize", "default", "-", "-o", "json"], input: Data(fixture.prompt.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(out["ids"] as? [Int], fixture.promptIDs)
        let pieces = try XCTUnwrap(out["pieces"] as? [String])
        XCTAssertEqual(pieces.count, fixture.promptIDs.count)
        XCTAssertEqual(pieces.joined(), fixture.prompt)
        XCTAssertEqual(out["text"] as? String, fixture.prompt)
    }

    func testBadInputExitsNonZeroWithAMessage() throws {
        let missing = try EngineCommand.run(["tokenize", "/nonexistent/model.gguf", "Hi"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no model at /nonexistent/model.gguf"), missing.stderr)

        let template = try EngineCommand.run(["tokenize", "default", "--chat", "--chat-template", "jinja", "Hi"])
        XCTAssertNotEqual(template.status, 0)
        XCTAssertTrue(template.stderr.contains("unknown chat template name"), template.stderr)
    }
}
