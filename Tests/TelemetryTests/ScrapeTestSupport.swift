import Foundation
import Telemetry

/// A fetcher whose answers the test sets per target key: a body, an error, or a delay first.
actor ScriptedFetcher: MetricsFetching {
    enum Answer: Sendable {
        case body(String, contentType: String? = "text/plain; version=0.0.4; charset=utf-8")
        case failure(ScrapeError)
        case slow(seconds: Double, then: String)
    }

    private var answers: [String: Answer] = [:]
    private(set) var calls: [String: Int] = [:]
    private var inFlight = 0
    private(set) var mostInFlight = 0
    /// Added to every answer, to let overlapping fetches be counted.
    var delay: Double = 0

    func set(_ key: String, _ answer: Answer) { answers[key] = answer }
    func setDelay(_ seconds: Double) { delay = seconds }

    nonisolated func fetch(_ target: ScrapeTarget) async throws -> FetchedMetrics {
        try await answer(for: target.key)
    }

    private func answer(for key: String) async throws -> FetchedMetrics {
        calls[key, default: 0] += 1
        inFlight += 1
        mostInFlight = max(mostInFlight, inFlight)
        defer { inFlight -= 1 }
        if delay > 0 { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
        switch answers[key] {
        case let .body(text, contentType)?: return .exposition(Data(text.utf8), contentType: contentType)
        case let .failure(error)?: throw error
        case let .slow(seconds, text)?:
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return .exposition(Data(text.utf8), contentType: nil)
        case nil: throw ScrapeError.httpStatus(404, detail: "no answer scripted for \(key)")
        }
    }
}

/// vLLM V1 text with the numbers a test needs: one engine, one model, TTFT buckets as given
/// (cumulative, `+Inf` last), vLLM's real label order.
enum VLLMText {
    static func make(model: String = "qwen", engine: String = "0", running: Double = 2, waiting: Double = 1,
                     kv: Double = 0.25, generation: Double = 1000, prompt: Double = 4000,
                     ttft: [(String, Double)] = [("0.1", 0), ("0.5", 0), ("1.0", 0), ("+Inf", 0)], ttftSum: Double = 0) -> String {
        let labels = "engine=\"\(engine)\",model_name=\"\(model)\""
        var out = """
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{\(labels)} \(running)
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{\(labels)} \(waiting)
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{\(labels)} \(kv)
        # TYPE vllm:generation_tokens_total counter
        vllm:generation_tokens_total{\(labels)} \(generation)
        # TYPE vllm:prompt_tokens_total counter
        vllm:prompt_tokens_total{\(labels)} \(prompt)
        # TYPE vllm:time_to_first_token_seconds histogram

        """
        for (le, count) in ttft {
            out += "vllm:time_to_first_token_seconds_bucket{engine=\"\(engine)\",le=\"\(le)\",model_name=\"\(model)\"} \(count)\n"
        }
        out += "vllm:time_to_first_token_seconds_count{\(labels)} \(ttft.last?.1 ?? 0)\n"
        out += "vllm:time_to_first_token_seconds_sum{\(labels)} \(ttftSum)\n"
        return out
    }
}

extension ScrapeTarget {
    static func url(_ text: String) -> ScrapeTarget { ScrapeTarget(source: .url(URL(string: text)!)) }
}
