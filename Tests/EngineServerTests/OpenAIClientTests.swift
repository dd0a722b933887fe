import KvdeckTestSupport
import XCTest
@testable import EngineServer

/// The official `openai` Python client against the server in this process (fake logits, real
/// tokenizer and chat format): chat, streaming, completions, usage, errors, auth. The same script
/// runs against `kvdeck serve` with the real model in KvdeckTests.
final class OpenAIClientTests: XCTestCase {
    func testTheOfficialClientAgainstTheServer() async throws {
        try await RunningServer.with(configure: { $0.apiKey = "sk-kvdeck-test" }) { s in
            let run = try await OpenAIClientScript.run(baseURL: "http://127.0.0.1:\(s.port)/v1", model: "fake-smollm2",
                                                       apiKey: "sk-kvdeck-test")
            XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
            for check in ["models", "chat", "chat_stream", "completion", "completion_stream", "sampling_extras", "errors", "auth"] {
                XCTAssertTrue(run.stdout.contains("ok \(check)\n"), "\(check): \(run.stdout)")
            }
        }
    }
}
