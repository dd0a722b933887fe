import KvdeckTestSupport
import Engine
import Foundation
import XCTest
@testable import EngineServer

/// Load and life: 429 beyond the waiting queue, a client hanging up mid-stream, readiness, drain.
final class ServerLifecycleTests: XCTestCase {
    private static let longStream = #"{"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":400,"ignore_eos":true,"stream":true}"#

    func testRequestsBeyondTheQueueAre429() async throws {
        // One runs, one waits; the third is refused at once.
        try await RunningServer.with(stepDelay: 0.02, configure: { $0.engine.maxNumSeqs = 1; $0.maxWaitingRequests = 1 }) { s in
            let first = try RawHTTPConnection(port: s.port)
            try first.send("POST", "/v1/chat/completions", json: Self.longStream)
            _ = try await first.read(until: "\"content\"")
            let second = try RawHTTPConnection(port: s.port)
            try second.send("POST", "/v1/chat/completions", json: Self.longStream)
            try await waitFor("two requests in flight") { (try? jsonObject(try await s.get("/load").body)["server_load"] as? Int) == 2 }

            let refused = try await s.post("/v1/completions", #"{"prompt":"x","max_tokens":1}"#)
            XCTAssertEqual(refused.status, 429)
            XCTAssertEqual(refused.headers["retry-after"], "1")
            let error = try XCTUnwrap(try jsonObject(refused.body)["error"] as? [String: Any])
            XCTAssertEqual(error["code"] as? Int, 429)
            first.hangUp()
            second.hangUp()
            try await waitFor("the hung-up requests to leave") { (try? jsonObject(try await s.get("/load").body)["server_load"] as? Int) == 0 }
            let v1 = try await s.post("/v1/completions", #"{"prompt":"x","max_tokens":1}"#).status
            XCTAssertEqual(v1, 200)
        }
    }

    func testHangingUpMidStreamAbortsAndFreesTheBlocks() async throws {
        try await RunningServer.with(stepDelay: 0.01) { s in
            let c = try RawHTTPConnection(port: s.port)
            try c.send("POST", "/v1/chat/completions", json: Self.longStream)
            // A content chunk (the role chunk comes before the first token).
            _ = try await c.read(until: "\"delta\":{\"content\":\"", timeout: 20)
            let usage = try await s.metric("vllm:kv_cache_usage_perc") ?? 0
            XCTAssertGreaterThan(usage, 0, "the running request holds blocks")
            c.hangUp()
            // Well before the 400 tokens (4 s or more at 10 ms a step) would have finished.
            try await waitFor("the aborted request to end", timeout: 3) {
                let text = (try? await s.get("/metrics").body) ?? ""
                return text.contains(#"finished_reason="abort",model_name="fake-smollm2"} 1.0"#)
            }
            let after = try await s.metric("vllm:kv_cache_usage_perc") ?? 1
            XCTAssertLessThan(after, usage, "the request's blocks are back in the pool")
            let v2 = try await s.metric("vllm:num_requests_running")
            XCTAssertEqual(v2, 0)
        }
    }

    func testHangingUpBeforeANonStreamingAnswerAbortsAndFreesTheBlocks() async throws {
        // Nothing is written to a non-streaming client until the end, so only the watch on the
        // connection's inbound side can notice that it left.
        try await RunningServer.with(stepDelay: 0.01) { s in
            let c = try RawHTTPConnection(port: s.port)
            try c.send("POST", "/v1/completions", json: #"{"prompt":"Once upon a time","max_tokens":1000,"ignore_eos":true}"#)
            try await waitFor("the request to run") { try await s.metric("vllm:num_requests_running") == 1 }
            let usage = try await s.metric("vllm:kv_cache_usage_perc") ?? 0
            XCTAssertGreaterThan(usage, 0, "the running request holds blocks")
            c.hangUp()
            // Far sooner than the 1000 tokens (10 s or more at 10 ms a step) would take.
            try await waitFor("the abandoned request to be aborted", timeout: 3) {
                let text = (try? await s.get("/metrics").body) ?? ""
                return text.contains(#"finished_reason="abort",model_name="fake-smollm2"} 1.0"#)
            }
            let running = try await s.metric("vllm:num_requests_running")
            XCTAssertEqual(running, 0)
            let after = try await s.metric("vllm:kv_cache_usage_perc")
            XCTAssertEqual(after, 0, "every block is back in the pool")
            try await waitFor("the admission slot to be released") { (try? jsonObject(try await s.get("/load").body)["server_load"] as? Int) == 0 }

            // A client that stays gets its whole answer, and is told the connection ends with it.
            let reply = try await s.post("/v1/completions", #"{"prompt":"Once","max_tokens":5,"ignore_eos":true}"#)
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.headers["connection"], "close")
            let usageOut = try XCTUnwrap(try jsonObject(reply.body)["usage"] as? [String: Any])
            XCTAssertEqual(usageOut["completion_tokens"] as? Int, 5)
        }
    }

    func testHealthIs503UntilTheModelIsReady() async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let model = try FakeServedModel.make()
        let server = EngineHTTPServer(loading: {
            for await _ in gate { break }
            return model
        }, options: FakeServedModel.options())
        let port = try await server.start()
        let v3 = try await httpRequest(port: port, "GET", "/health").status
        XCTAssertEqual(v3, 503)
        let early = try await httpRequest(port: port, "POST", "/v1/completions", json: #"{"prompt":"x"}"#)
        XCTAssertEqual(early.status, 503)
        let v4 = try await httpRequest(port: port, "GET", "/metrics").body
        XCTAssertEqual(v4, "")
        open.yield()
        try await server.waitUntilReady()
        let v5 = try await httpRequest(port: port, "GET", "/health").status
        XCTAssertEqual(v5, 200)
        await server.stop()
    }

    func testAFailedLoadStays503AndSaysWhy() async throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "truncated file" } }
        let server = EngineHTTPServer(loading: { throw Broken() }, options: FakeServedModel.options())
        let port = try await server.start()
        do {
            try await server.waitUntilReady()
            XCTFail("the load error must come out")
        } catch {}
        let v6 = try await httpRequest(port: port, "GET", "/health").status
        XCTAssertEqual(v6, 503)
        let reply = try await httpRequest(port: port, "GET", "/v1/models")
        XCTAssertTrue(reply.body.contains("truncated file"), reply.body)
        await server.stop()
    }

    func testStopDrainsAStreamThenCloses() async throws {
        let s = try await RunningServer.start(stepDelay: 0.01)
        let c = try RawHTTPConnection(port: s.port)
        try c.send("POST", "/v1/completions", json: #"{"prompt":"Once","max_tokens":60,"ignore_eos":true,"stream":true}"#)
        _ = try await c.read(until: "\"text\"")
        let stopped = Task { await s.server.stop(timeout: .seconds(10)) }
        let reply = try await c.read(until: "data: [DONE]")
        XCTAssertTrue(reply.contains(#""finish_reason":"length""#), "the stream ran to its end, not aborted")
        await stopped.value
        XCTAssertThrowsError(try RawHTTPConnection(port: s.port), "no longer listening")
    }

    func testStopAbortsWhatOutlivesTheDrainTimeout() async throws {
        let s = try await RunningServer.start(stepDelay: 0.01)
        let c = try RawHTTPConnection(port: s.port)
        try c.send("POST", "/v1/completions", json: #"{"prompt":"Once","max_tokens":1000,"ignore_eos":true,"stream":true}"#)
        _ = try await c.read(until: "\"text\"")
        let started = ContinuousClock.now
        await s.server.stop(timeout: .milliseconds(300))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        let reply = try await c.read(until: "data: [DONE]")
        XCTAssertTrue(reply.contains(#""finish_reason":"abort""#), "cut short, and told so")
    }
}

func waitFor(_ what: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line,
             _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    XCTFail("timed out waiting for \(what)", file: file, line: line)
}
