import Foundation

/// The official `openai` Python client run against a server (`openai_client_check.py`). Its
/// Python is the virtual environment scripts/lib.sh makes under `.build/python-openai`
/// (`$KVDECK_OPENAI_PYTHON` overrides); scripts/test makes it first, so a missing one is a
/// failure that names the fix, never a skip.
public enum OpenAIClientScript {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    public static var python: String {
        if let p = ProcessInfo.processInfo.environment["KVDECK_OPENAI_PYTHON"], !p.isEmpty { return p }
        let root = ScriptServer.supportDirectory.deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/python-openai/bin/python3").path
    }

    /// Runs every check against `baseURL` (…/v1) off the cooperative pool (the server under test
    /// may be in this process and needs it), and returns the run.
    public static func run(baseURL: String, model: String, apiKey: String? = nil) async throws -> CommandRun {
        let python = self.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Missing(description: "no Python with the openai package at \(python); run ./scripts/test (or: python3 -m venv .build/python-openai && .build/python-openai/bin/pip install openai)")
        }
        let script = ScriptServer.supportDirectory.appendingPathComponent("openai_client_check.py").path
        var arguments = [script, "--base-url", baseURL, "--model", model]
        if let apiKey { arguments += ["--api-key", apiKey] }
        let args = arguments
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try CommandRun.run(python, args) })
            }
        }
    }
}
