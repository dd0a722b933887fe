import Foundation
import XCTest
@testable import Engine

/// The default model for tests. scripts/test fetches it first, so a missing file is a failure
/// with the command that fixes it, never a skip.
enum TestModel {
    static var defaultGGUFPath: String {
        DefaultModel.path(environment: ProcessInfo.processInfo.environment)
    }

    static func defaultGGUF(file: StaticString = #filePath, line: UInt = #line) throws -> GGUFFile {
        let path = defaultGGUFPath
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("the default model is missing at \(path); run scripts/fetch-model", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try GGUFFile(path: path)
    }
}
