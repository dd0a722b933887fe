import Engine
import Foundation

/// `load.py`'s workload submitted straight to `InferenceEngine`, with no HTTP: the engine's own
/// throughput and time to first token, to set beside the server's under the same load.
///
/// The same as load.py in every part that is not HTTP: `clients` concurrent clients, each sending
/// `requestsPerClient` requests one after another; each request is the prompt (tokenized as
/// `/v1/completions` tokenizes it, inside the timed part), `maxTokens`, `ignore_eos`, the given
/// temperature and top_p and the server's defaults for the rest. A request's TTFT runs from its submit to
/// its first delta with text; its tokens are its deltas with text (load.py counts SSE chunks with
/// text, and the server sends one for each such delta).
struct InProcessLoad {
    var clients = 32
    var requestsPerClient = 1
    var maxTokens = 64
    var temperature = 0.8
    var topP = 1.0
    var prompt = "Write a short story about a lighthouse keeper who finds a message in a bottle."

    struct Result: Encodable {
        var mode = "in-process"
        var clients: Int
        var requests: Int
        var completion_tokens: Int
        var wall_s: Double
        var tokens_per_s: Double
        var ttft_p50_ms: Double?
        var ttft_p90_ms: Double?
        /// CPU seconds (user + system) this process used during the run: the engine's own cost,
        /// to set beside the server process's.
        var cpu_s: Double
        /// Forward steps the engine ran (`vllm:iteration_tokens_total_count` on a server).
        var engine_steps: UInt64
    }

    private struct RequestResult: Sendable {
        var ttft: Duration?
        var tokens: Int
    }

    func run(engine: InferenceEngine, tokenizer: Tokenizer) async throws -> Result {
        var params = SamplingParams()
        params.temperature = temperature
        params.topP = topP
        params.ignoreEOS = true
        params.maxTokens = maxTokens
        let (sampling, prompt, perClient) = (params, self.prompt, requestsPerClient)
        let started = ContinuousClock.now
        let cpuBefore = Self.processCPUSeconds()
        let stepsBefore = await engine.stats.iterationTokens.count
        let results = try await withThrowingTaskGroup(of: [RequestResult].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var out: [RequestResult] = []
                    for n in 0..<perClient {
                        out.append(try await Self.one(engine: engine, tokenizer: tokenizer, prompt: prompt,
                                                      sampling: sampling, id: "bench-\(client)-\(n)"))
                    }
                    return out
                }
            }
            var all: [RequestResult] = []
            for try await r in group { all += r }
            return all
        }
        let wall = (ContinuousClock.now - started).seconds
        let cpu = Self.processCPUSeconds() - cpuBefore
        let steps = await engine.stats.iterationTokens.count - stepsBefore
        let ttfts = results.compactMap { $0.ttft.map { $0.seconds * 1000 } }.sorted()
        let tokens = results.reduce(0) { $0 + $1.tokens }
        return Result(clients: clients, requests: results.count, completion_tokens: tokens, wall_s: Self.round(wall, 2),
                      tokens_per_s: Self.round(Double(tokens) / wall, 1),
                      ttft_p50_ms: ttfts.isEmpty ? nil : Self.round(Self.median(ttfts), 1),
                      ttft_p90_ms: ttfts.isEmpty ? nil : Self.round(ttfts[Int(0.9 * Double(ttfts.count - 1))], 1),
                      cpu_s: Self.round(cpu, 3), engine_steps: steps)
    }

    private static func one(engine: InferenceEngine, tokenizer: Tokenizer, prompt: String,
                            sampling: SamplingParams, id: String) async throws -> RequestResult {
        let start = ContinuousClock.now
        let ids = tokenizer.encode(prompt, addSpecialTokens: true, parseSpecial: true).map { TokenID($0) }
        var result = RequestResult(ttft: nil, tokens: 0)
        for try await event in try await engine.submit(GenerationRequest(id: id, prompt: .tokens(ids), sampling: sampling)) {
            guard case .delta(let d) = event, !d.text.isEmpty else { continue }
            if result.ttft == nil { result.ttft = ContinuousClock.now - start }
            result.tokens += 1
        }
        return result
    }

    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Python's `statistics.median` (load.py's p50).
    static func median(_ sorted: [Double]) -> Double {
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    static func round(_ x: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (x * scale).rounded() / scale
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
