import Foundation
import KvdeckTestSupport
import XCTest

/// The canary test objects are valid instances of the real CRDs' schemas (python-jsonschema).
final class CanarySchemaTests: XCTestCase {
    func testCanaryObjectsValidateAgainstTheCRDSchemas() throws {
        guard let python = CommandRun.which("python3"),
              (try? CommandRun.run(python, ["-c", "import jsonschema"]).status) == 0 else {
            throw XCTSkip("python3 with jsonschema is not installed")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-canary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); instance = json.load(open(sys.argv[2]))
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(instance), key=lambda e: list(e.path))
        for e in errors: print("/".join(map(str, e.path)), e.message)
        sys.exit(1 if errors else 0)
        """
        for (name, schema) in CanaryObjects.schemaFiles {
            let file = directory.appendingPathComponent("\(name).json")
            try Data(try XCTUnwrap(CanaryObjects.texts[name]).utf8).write(to: file)
            let schemaPath = SharedFixtures.schemas.appendingPathComponent("crds-jsonschema").appendingPathComponent(schema).path
            let run = try CommandRun.run(python, ["-c", script, schemaPath, file.path])
            XCTAssertEqual(run.status, 0, "\(name) against \(schema): \(run.stdout)\(run.stderr)")
        }
    }
}
