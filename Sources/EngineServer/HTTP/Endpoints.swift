import Engine
import Foundation
import Hummingbird
import NIOCore
import YAML

/// The handlers behind each route (reference §2.1), over the server's shared state. The
/// generation and tokenizer endpoints are in their own files.
struct Endpoints: Sendable {
    let state: ServingState
    let gate: AdmissionGate
    let options: ServerOptions

    /// `/health` and `/ping`: 200 with an empty body once the model and its KV cache are ready
    /// (this server listens before that, unlike vLLM, so it must say 503 until then, §6.2).
    func health() -> Response {
        do {
            _ = try state.servingModel()
            return .empty()
        } catch {
            return .empty(status: 503)
        }
    }

    func version() -> Response { .json(.object(["version": .string(options.version)])) }

    /// `{"server_load": N}`: generation requests in flight.
    func load() -> Response { .json(.object(["server_load": .int(Int64(gate.count))])) }

    func models() -> Response {
        let serving: ServingModel
        do { serving = try state.servingModel() } catch { return .apiError(error) }
        let data: [JSONValue] = serving.servedNames.map { name in
            .object([
                "id": .string(name), "object": "model", "created": .int(Int64(serving.created)), "owned_by": "vllm",
                "root": .string(serving.model.path), "parent": .null, "max_model_len": .int(Int64(serving.maxModelLen)),
                "permission": [.object([
                    "id": .string("modelperm-" + Self.hexID()), "object": "model_permission",
                    "created": .int(Int64(serving.created)), "allow_create_engine": false, "allow_sampling": true,
                    "allow_logprobs": true, "allow_search_indices": false, "allow_view": true,
                    "allow_fine_tuning": false, "organization": "*", "group": .null, "is_blocking": false,
                ])],
            ])
        }
        return .json(.object(["object": "list", "data": .array(data)]))
    }

    /// vLLM V1's families, or (with `--disable-log-stats`, or before the model is ready) none.
    func metrics() async -> Response {
        guard !options.disableLogStats, case .ready(let serving) = state.phase else {
            return .text("", contentType: VLLMMetricsText.contentType)
        }
        let stats = await serving.engine.stats
        let text = VLLMMetricsText(modelName: serving.metricsName).render(stats, cache: .init(
            blockSize: serving.blockSize, numGPUBlocks: serving.blockCount, kvCacheMemoryBytes: serving.kvCacheBytes,
            enablePrefixCaching: serving.enablePrefixCaching, cacheDType: serving.kvCacheDType))
        return .text(text, contentType: VLLMMetricsText.contentType)
    }

    /// The request body as JSON, within `--max-body-bytes`; the error is the answer. The body is
    /// collected into the request (not just read), which keeps the connection's inbound stream
    /// behind it for the disconnect watch of a non-streaming generation.
    func readJSON(_ request: inout Request) async throws(APIError) -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: options.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(status: 413, type: "RequestEntityTooLarge", message: "the request body is larger than \(options.maxBodyBytes) bytes")
        } catch {
            throw .badRequest("the request body could not be read: \(error)")
        }
        return try JSONValue.parse(Data(buffer: buffer))
    }

    static func hexID() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
