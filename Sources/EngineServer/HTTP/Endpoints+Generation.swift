import Engine
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

extension Endpoints {
    /// `POST /v1/completions` and `/v1/chat/completions`: decode and check, admit (or 429),
    /// submit to the engine, then answer with one JSON body or an SSE stream.
    ///
    /// A client that leaves aborts its request, so its KV blocks go back to the pool at once:
    /// - streaming: the next frame's write fails, and the engine request is aborted;
    /// - non-streaming: nothing is written until the end, so the connection's inbound side is
    ///   watched instead (Hummingbird's `consumeWithCancellationOnInboundClose`, which reads on
    ///   past the body that `collectBody` kept): end of input cancels the collecting task, and
    ///   cancelling the engine stream aborts the request. Hummingbird then closes the
    ///   connection after the response, so the response says `Connection: close`. (The watch
    ///   reads the connection until the next request head; a client that pipelines a request
    ///   behind a non-streaming one would lose it. No common client pipelines.)
    func generate(_ request: Request, api: GenerationAPI, record: RequestLogRecord) async -> Response {
        var request = request
        let serving: ServingModel
        let plan: GenerationPlan
        do {
            serving = try state.servingModel()
            let body = try await readJSON(&request)
            plan = try api == .chat ? ChatCompletionRequest.plan(body, serving: serving)
                                    : CompletionRequest.plan(body, serving: serving)
        } catch {
            record.set("error", .string(error.message))
            return .apiError(error)
        }

        let requestID = api.idPrefix + Self.hexID()
        record.set("request_id", .string(requestID))
        record.set("model", .string(plan.model))
        record.set("prompt_tokens", .stringConvertible(plan.prompt.count))
        record.set("stream", .stringConvertible(plan.stream))
        if options.logPrompts { record.set("prompt", .string(plan.promptText)) }

        guard let ticket = gate.admit(requestID: requestID) else {
            record.set("error", "queue full")
            return .apiError(.tooManyRequests(limit: gate.capacity))
        }
        let engine = serving.engine
        let events: AsyncThrowingStream<GenerationEvent, Error>
        do {
            events = try await engine.submit(GenerationRequest(id: requestID, prompt: .tokens(plan.prompt), sampling: plan.sampling))
        } catch {
            ticket.release()
            record.set("error", .string(error.description))
            return .apiError(APIError(error))
        }
        let run = GenerationRun(plan: plan, requestID: requestID, created: Int(Date().timeIntervalSince1970),
                                tokenizer: serving.tokenizer, maxModelLen: serving.maxModelLen)

        guard plan.stream else {
            defer { ticket.release() }
            do {
                let (json, outcome) = try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await run.collect(events)
                }
                Self.note(outcome, in: record)
                var response = Response.json(json)
                response.headers[.connection] = "close"
                return response
            } catch let e as APIError {
                record.set("error", .string(e.message))
                return .apiError(e)
            } catch is CancellationError {
                // The client closed its side before the answer: stop generating for it now.
                await engine.abort(requestID: requestID)
                record.set("finish_reason", "abort")
                record.set("error", "client disconnected")
                return .apiError(.clientClosedRequest)
            } catch {
                await engine.abort(requestID: requestID)
                record.set("error", .string("\(error)"))
                return .apiError(.internalError("\(error)"))
            }
        }

        var headers = HTTPFields()
        headers[.contentType] = ServerSentEvents.contentType
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { ticket.release() }
            do {
                let outcome = try await run.stream(events) { frame in try await writer.write(ByteBuffer(string: frame)) }
                Self.note(outcome, in: record)
            } catch {
                // The client went away (the write failed): stop generating for it now.
                await engine.abort(requestID: requestID)
                record.set("finish_reason", "abort")
                throw error
            }
            try await writer.finish(nil)
        })
    }

    private static func note(_ outcome: GenerationRun.Outcome, in record: RequestLogRecord) {
        if let f = outcome.finish {
            record.set("finish_reason", .string(f.reason.rawValue))
            record.set("completion_tokens", .stringConvertible(f.usage.completionTokens))
            record.set("cached_tokens", .stringConvertible(f.usage.cachedPromptTokens))
        }
        if let t = outcome.firstTokenAfter {
            let ms = Double(t.components.seconds) * 1e3 + Double(t.components.attoseconds) * 1e-15
            record.set("ttft_ms", .string(String(format: "%.1f", ms)))
        }
    }
}
