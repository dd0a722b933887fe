import KvdeckTestSupport
import Foundation
import XCTest
@testable import EngineServer

/// The routes over a real socket (reference §2.1): shapes, status codes, auth.
final class ServerEndpointTests: XCTestCase {
    func testInfoEndpoints() async throws {
        try await RunningServer.with { s in
            let health = try await s.get("/health")
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.body, "")
            let v1 = try await s.post("/ping", "{}").status
            XCTAssertEqual(v1, 200)
            let v2 = try await s.get("/version").body
            XCTAssertEqual(try jsonObject(v2)["version"] as? String, "0.1.0")
            let v3 = try await s.get("/load").body
            XCTAssertEqual(try jsonObject(v3)["server_load"] as? Int, 0)

            let models = try jsonObject(try await s.get("/v1/models").body)
            XCTAssertEqual(models["object"] as? String, "list")
            let entry = try XCTUnwrap((models["data"] as? [[String: Any]])?.first)
            XCTAssertEqual(entry["id"] as? String, "fake-smollm2")
            XCTAssertEqual(entry["object"] as? String, "model")
            XCTAssertEqual(entry["root"] as? String, "/models/fake-smollm2.gguf")
            XCTAssertEqual(entry["max_model_len"] as? Int, 2048)

            let missing = try await s.get("/v2/nothing")
            XCTAssertEqual(missing.status, 404)
            let v4 = try await s.get("/v1/chat/completions").status
            XCTAssertEqual(v4, 405)
        }
    }

    func testChatAndCompletionBodies() async throws {
        try await RunningServer.with { s in
            let chat = try await s.post("/v1/chat/completions", #"{"model":"fake-smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":4,"ignore_eos":true,"logprobs":true,"top_logprobs":2}"#)
            XCTAssertEqual(chat.status, 200, chat.body)
            XCTAssertEqual(chat.headers["content-type"], "application/json")
            let c = try jsonObject(chat.body)
            XCTAssertEqual(c["object"] as? String, "chat.completion")
            XCTAssertTrue((c["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            let choice = try XCTUnwrap((c["choices"] as? [[String: Any]])?.first)
            XCTAssertEqual(choice["finish_reason"] as? String, "length")
            XCTAssertEqual((choice["message"] as? [String: Any])?["role"] as? String, "assistant")
            let content = try XCTUnwrap((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
            XCTAssertEqual(content.count, 4)
            XCTAssertEqual((content[0]["top_logprobs"] as? [Any])?.count, 2)
            let usage = try XCTUnwrap(c["usage"] as? [String: Any])
            XCTAssertEqual(usage["completion_tokens"] as? Int, 4)
            XCTAssertEqual((usage["prompt_tokens"] as? Int).map { $0 > 3 }, true)

            let completion = try await s.post("/v1/completions", #"{"prompt":[1,2,3],"max_tokens":3,"ignore_eos":true,"logprobs":1,"echo":false}"#)
            let o = try jsonObject(completion.body)
            XCTAssertEqual(o["object"] as? String, "text_completion")
            let lp = try XCTUnwrap(((o["choices"] as? [[String: Any]])?.first?["logprobs"]) as? [String: Any])
            XCTAssertEqual((lp["tokens"] as? [String])?.count, 3)
            XCTAssertEqual((lp["text_offset"] as? [Int])?.first, 0)
            XCTAssertEqual(((o["usage"] as? [String: Any])?["total_tokens"]) as? Int, 6)

            // The same seed gives the same text; errors come in OpenAI's shape.
            let seeded = #"{"prompt":"Once","max_tokens":6,"temperature":0.9,"seed":42,"ignore_eos":true}"#
            let a = try jsonObject(try await s.post("/v1/completions", seeded).body)["choices"] as? [[String: Any]]
            let b = try jsonObject(try await s.post("/v1/completions", seeded).body)["choices"] as? [[String: Any]]
            XCTAssertEqual(a?.first?["text"] as? String, b?.first?["text"] as? String)

            let bad = try await s.post("/v1/completions", #"{"prompt":"x","max_tokens":0}"#)
            XCTAssertEqual(bad.status, 400)
            let error = try XCTUnwrap(try jsonObject(bad.body)["error"] as? [String: Any])
            XCTAssertEqual(error["code"] as? Int, 400)
            XCTAssertEqual(error["type"] as? String, "BadRequestError")
            XCTAssertEqual(error["param"] as? String, "max_tokens")
            let v5 = try await s.post("/v1/chat/completions", "{not json").status
            XCTAssertEqual(v5, 400)
            let v6 = try await s.post("/v1/chat/completions", #"{"model":"nope","messages":[]}"#).status
            XCTAssertEqual(v6, 404)
        }
    }

    func testStreamOverTheWire() async throws {
        try await RunningServer.with { s in
            let c = try RawHTTPConnection(port: s.port)
            try c.send("POST", "/v1/chat/completions", json: #"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":5,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}"#)
            let reply = try await c.readReply()
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.headers["content-type"], "text/event-stream; charset=utf-8")
            let events = reply.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            XCTAssertEqual(events.last, "data: [DONE]")
            XCTAssertTrue(events[0].contains(#""delta":{"role":"assistant","content":""}"#), events[0])
            let usage = try jsonObject(String(events[events.count - 2].dropFirst(6)))
            XCTAssertEqual((usage["choices"] as? [Any])?.count, 0)
            XCTAssertEqual((usage["usage"] as? [String: Any])?["completion_tokens"] as? Int, 5)
            let last = events[events.count - 3]
            XCTAssertTrue(last.contains(#""finish_reason":"length""#), last)
            XCTAssertFalse(last.contains(#""content":"""#), "the finish rides on the last token's own chunk")
        }
    }

    func testTokenizeAndDetokenize() async throws {
        try await RunningServer.with { s in
            let t = try jsonObject(try await s.post("/tokenize", #"{"prompt":"Hello world","return_token_strs":true}"#).body)
            let tokens = try XCTUnwrap(t["tokens"] as? [Int])
            XCTAssertEqual(t["count"] as? Int, tokens.count)
            XCTAssertEqual(t["max_model_len"] as? Int, 2048)
            XCTAssertEqual((t["token_strs"] as? [String])?.joined(), "Hello world")
            let d = try jsonObject(try await s.post("/detokenize", #"{"tokens":\#(tokens)}"#).body)
            XCTAssertEqual(d["prompt"] as? String, "Hello world")
            let chat = try jsonObject(try await s.post("/tokenize", #"{"messages":[{"role":"user","content":"Hi"}]}"#).body)
            XCTAssertEqual((chat["tokens"] as? [Int])?.first, 1, "<|im_start|>")
            let v7 = try await s.post("/detokenize", #"{"tokens":[-1]}"#).status
            XCTAssertEqual(v7, 400)
        }
    }

    func testAPIKeyGuardsOnlyV1() async throws {
        try await RunningServer.with(configure: { $0.apiKey = "sk-test-123" }) { s in
            let denied = try await s.get("/v1/models")
            XCTAssertEqual(denied.status, 401)
            XCTAssertEqual(denied.body, #"{"error":"Unauthorized"}"#)
            let v8 = try await s.get("/v1/models", headers: ["Authorization": "Bearer sk-test-12"]).status
            XCTAssertEqual(v8, 401)
            let v9 = try await s.get("/v1/models", headers: ["Authorization": "sk-test-123"]).status
            XCTAssertEqual(v9, 401)
            let v10 = try await s.get("/v1/models", headers: ["Authorization": "Bearer sk-test-123"]).status
            XCTAssertEqual(v10, 200)
            let v11 = try await s.post("/v1/completions", #"{"prompt":"x","max_tokens":1}"#).status
            XCTAssertEqual(v11, 401)
            // vLLM leaves everything outside /v1 open.
            let v12 = try await s.get("/health").status
            XCTAssertEqual(v12, 200)
            let v13 = try await s.get("/metrics").status
            XCTAssertEqual(v13, 200)
            let v14 = try await s.post("/tokenize", #"{"prompt":"x"}"#).status
            XCTAssertEqual(v14, 200)
        }
        XCTAssertTrue(APIKeyCheck(apiKey: "k").allows(method: "OPTIONS", path: "/v1/models", authorization: nil))
    }
}
