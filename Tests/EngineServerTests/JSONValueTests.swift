import Foundation
import KvdeckTestSupport
import XCTest
import YAML
@testable import EngineServer

/// The server writes and reads the project's one JSON tree (YAML.JSONValue); these are the parts
/// that are the API's own: compact ordered bodies, integers kept apart from floats, vLLM's
/// logprob numbers, and a 400 that says where a body stops being JSON.
final class JSONValueTests: XCTestCase {
    func testWritesCompactOrderedJSON() throws {
        let v: JSONValue = .object(["b": 1, "a": [true, .null, "x\"\n"], "c": 0.5, "n": .int(3), "d": .double(3)])
        XCTAssertEqual(v.jsonString(), #"{"b":1,"a":[true,null,"x\"\n"],"c":0.5,"n":3,"d":3.0}"#)
    }

    func testIntegersAndFloatsStayApartInRequests() throws {
        let f = try RequestFields(JSONValue.parse(Data(#"{"max_tokens":16,"temperature":1,"top_p":0.5,"n":16.0,"seed":-3}"#.utf8)))
        XCTAssertEqual(try f.int("max_tokens"), 16)
        XCTAssertEqual(try f.double("temperature"), 1.0, "an integer is a number too")
        XCTAssertEqual(try f.int("n"), 16, "pydantic's lax mode takes 16.0 for 16")
        XCTAssertEqual(try f.int("seed"), -3)
        XCTAssertThrowsError(try f.int("top_p")) { e in
            XCTAssertEqual((e as? APIError)?.message, "'top_p' must be an integer, got a number")
        }
    }

    func testLogprobsAreWrittenAsVLLMWritesThem() {
        XCTAssertEqual(LogprobsJSON.logprob(-0.1).jsonString(), "-0.1", "the Float's shortest text, not its Double widening")
        XCTAssertEqual(LogprobsJSON.logprob(-.infinity).jsonString(), "-9999.0")
        XCTAssertEqual(LogprobsJSON.logprob(0).jsonString(), "0.0")
    }

    func testABrokenBodyIsA400ThatSaysWhere() {
        XCTAssertThrowsError(try JSONValue.parse(Data(#"{"prompt": "x",}"#.utf8))) { e in
            let error = e as? APIError
            XCTAssertEqual(error?.status, 400)
            XCTAssertTrue(error?.message.hasPrefix("the request body is not valid JSON: invalid JSON at line 1, column 16") == true,
                          error?.message ?? "\(e)")
        }
        XCTAssertThrowsError(try JSONValue.parse(Data())) { e in
            XCTAssertEqual((e as? APIError)?.message, "the request body is empty; send a JSON object")
        }
    }
}
