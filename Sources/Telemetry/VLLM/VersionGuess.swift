/// A vLLM release range read from which families and bucket layouts a server emits. Each clue comes
/// from an upstream rename/removal dated in ../shared/reference/engine-anchors.md §1.3–1.5; the mapping
/// from PR date to release is approximate, so this is a guess shown as such (`≥ 0.11.0`, `< 0.7.1`).
public struct VersionGuess: Sendable, Equatable, CustomStringConvertible {
    public struct Version: Sendable, Comparable, CustomStringConvertible {
        public var major, minor, patch: Int
        public init(_ major: Int, _ minor: Int, _ patch: Int) { self.major = major; self.minor = minor; self.patch = patch }
        public static func < (a: Version, b: Version) -> Bool {
            (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }
        public var description: String { "\(major).\(minor).\(patch)" }
    }

    /// Inclusive lower bound, exclusive upper bound.
    public var atLeast: Version?
    public var below: Version?
    /// The clues, in words, for `kvdeck metrics`.
    public var evidence: [String]

    /// The clues contradict each other (a curated dump, or two servers' output joined).
    public var isInconsistent: Bool {
        if let atLeast, let below { return atLeast >= below }
        return false
    }

    public var description: String {
        if isInconsistent { return "inconsistent (mixed metric generations)" }
        switch (atLeast, below) {
        case let (low?, high?): return "≥ \(low), < \(high)"
        case let (low?, nil): return "≥ \(low)"
        case let (nil, high?): return "< \(high)"
        case (nil, nil): return "unknown"
        }
    }

    private struct Clue {
        let family: String
        let atLeast: Version?
        let below: Version?
        let why: String
    }

    private static let clues: [Clue] = [
        Clue(family: "vllm:kv_cache_usage_perc", atLeast: Version(0, 9, 2), below: nil,
             why: "kv_cache_usage_perc (added with the rename, 0.9.2)"),
        Clue(family: "vllm:gpu_cache_usage_perc", atLeast: nil, below: Version(0, 12, 0),
             why: "gpu_cache_usage_perc (removed in 0.12)"),
        Clue(family: "vllm:prefix_cache_queries_total", atLeast: Version(0, 9, 2), below: nil,
             why: "prefix_cache_queries (renamed in 0.9.2)"),
        Clue(family: "vllm:gpu_prefix_cache_queries_total", atLeast: Version(0, 7, 3), below: Version(0, 12, 0),
             why: "gpu_prefix_cache_queries (V1, February 2025 until 0.12)"),
        Clue(family: "vllm:inter_token_latency_seconds", atLeast: Version(0, 11, 0), below: nil,
             why: "inter_token_latency_seconds (0.11)"),
        Clue(family: "vllm:time_per_output_token_seconds", atLeast: nil, below: Version(0, 12, 0),
             why: "time_per_output_token_seconds (hidden from 0.12)"),
        Clue(family: "vllm:avg_generation_throughput_toks_per_s", atLeast: nil, below: Version(0, 7, 1),
             why: "avg_*_throughput_toks_per_s (removed January 2025)"),
        Clue(family: "vllm:num_requests_swapped", atLeast: nil, below: Version(0, 9, 1),
             why: "num_requests_swapped (removed May 2025)"),
        Clue(family: "vllm:engine_sleep_state", atLeast: Version(0, 11, 1), below: nil,
             why: "engine_sleep_state (October 2025)"),
    ]

    init(exposition: Exposition) {
        evidence = []
        for clue in Self.clues where exposition.family(named: clue.family) != nil {
            constrain(atLeast: clue.atLeast, below: clue.below, why: clue.why)
        }
        // TTFT buckets: before April 2025 (PR #15202) they stopped at 10 s; since then at 2560 s.
        if let ttft = exposition.histograms(named: "vllm:time_to_first_token_seconds").first?.histogram {
            let highest = ttft.buckets.map(\.upperBound).filter(\.isFinite).max()
            if highest == 10 {
                constrain(atLeast: nil, below: Version(0, 8, 4), why: "TTFT buckets end at 10 s (before April 2025)")
            } else if let highest, highest > 10 {
                constrain(atLeast: Version(0, 8, 4), below: nil, why: "TTFT buckets reach \(highest) s (April 2025 on)")
            }
        }
        let hasEngineLabel = exposition.families.contains { family in
            family.name.hasPrefix("vllm:") && family.samples.contains { $0.label("engine") != nil }
        }
        if hasEngineLabel {
            constrain(atLeast: Version(0, 8, 3), below: nil, why: "engine label (V1 data parallel, March 2025)")
        }
    }

    private mutating func constrain(atLeast low: Version?, below high: Version?, why: String) {
        if let low { atLeast = max(atLeast ?? low, low) }
        if let high { below = min(below ?? high, high) }
        evidence.append(why)
    }
}
