import Foundation
import KvdeckTestSupport
import XCTest

/// Runs `kvdeck` engine commands (generate, tokenize, bench) against the default model
/// (scripts/fetch-model), and reads their `-o json` output.
enum EngineCommand {
    static let capitalQuestion = #"[{"role":"user","content":"What is the capital of France?"}]"#

    static func run(_ arguments: [String], input: Data? = nil) throws -> CommandRun {
        try CommandRun.run(KvdeckBinary.path, arguments, input: input)
    }

    /// The command's stdout as a JSON object; fails the test with stderr when it is not one.
    static func json(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let r = try run(arguments)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(object, "not a JSON object: \(r.stdout)\n\(r.stderr)", file: file, line: line)
    }
}
