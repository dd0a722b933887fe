import Foundation
import KvdeckTestSupport
import XCTest

/// Loads the recorded API responses under `shared/fixtures/kube` for the model tests.
///
/// The fixtures live beside the package (`../shared`, as DESIGN.md places them) or inside it
/// (`shared/`, where a checkout carries its own copy); `KVDECK_FIXTURES` overrides both.
enum ModelFixtures {
    static var root: URL { SharedFixtures.kube }

    static func data(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        let url = root.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            XCTFail("missing fixture \(url.path)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return data
    }

    static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(path))
    }

    /// The items of a recorded list response.
    static func items<T: Decodable>(_ type: T.Type, _ path: String) throws -> [T] {
        try decode(TestList<T>.self, path).items
    }

    static func real(_ path: String) -> String { "real-apiserver/" + path }
}

/// The shape of any list response, enough to reach its items (the client's own list type lives
/// with the API client).
struct TestList<T: Decodable>: Decodable {
    let items: [T]
}
