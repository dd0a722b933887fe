import Foundation

/// vLLM's engine generation: V1 carries an `engine` label (data-parallel index) or V1-only families;
/// V0 has V0-only families. `mixed` means both kinds of evidence (a curated or proxied dump).
public enum VLLMEngineGeneration: String, Sendable {
    case v0, v1, mixed, unknown
}

/// `vllm:cache_config_info`: an info gauge whose labels are the engine's CacheConfig fields.
public struct CacheConfig: Sendable, Equatable {
    public var engine: String?
    public var blockSize: Int?
    public var numGPUBlocks: Int?
    public var numCPUBlocks: Int?
    public var gpuMemoryUtilization: Double?
    public var cacheDType: String?
    public var enablePrefixCaching: Bool?
    /// Every label as written (vLLM adds fields over time).
    public var fields: [String: String]

    init(labels: [Label]) {
        var fields: [String: String] = [:]
        for label in labels { fields[label.name] = label.value }
        self.fields = fields
        engine = fields["engine"]
        blockSize = fields["block_size"].flatMap { Int($0) }
        numGPUBlocks = fields["num_gpu_blocks"].flatMap { Int($0) }
        numCPUBlocks = fields["num_cpu_blocks"].flatMap { Int($0) }
        gpuMemoryUtilization = fields["gpu_memory_utilization"].flatMap { Double($0) }
        cacheDType = fields["cache_dtype"]
        enablePrefixCaching = fields["enable_prefix_caching"].flatMap { ["true": true, "false": false][$0.lowercased()] }
    }

    /// Tokens the KV cache holds: blocks × block size.
    public var kvCacheTokens: Int? {
        guard let blockSize, let numGPUBlocks else { return nil }
        return blockSize * numGPUBlocks
    }
}

/// The numbers of one model on one server, combined over its engines.
public struct ModelMetrics: Sendable, Equatable {
    /// The `model_name` label ("" where the server has none, as llama.cpp and TGI).
    public var model: String
    public var gauges: [GaugeColumn: Double] = [:]
    public var counters: [CounterColumn: Double] = [:]
    public var histograms: [HistogramColumn: Histogram] = [:]
    /// KV-cache usage averaged over engines (`gauges[.kvCacheUsage]` is the maximum).
    public var kvCacheUsageMean: Double?
    /// Engines (V1 `engine` label values) seen for this model.
    public var engines: [String] = []

    public init(model: String) { self.model = model }

    public var running: Double? { gauges[.running] }
    public var waiting: Double? { gauges[.waiting] }
    /// 0…1, the fullest engine.
    public var kvCacheUsage: Double? { gauges[.kvCacheUsage] }
}

/// Everything the console reads from one scrape of one server: recognised, renamed pairs resolved,
/// engines combined, per model and in total.
public struct ServerSnapshot: Sendable {
    public enum Availability: String, Sendable {
        case live
        /// No engine families at all (vLLM started with `--disable-log-stats`, or not an inference
        /// server): to be shown as "metrics disabled", never as zeros.
        case metricsDisabled
    }

    public var time: Date
    public var availability: Availability
    public var kind: EngineKind?
    /// vLLM only.
    public var generation: VLLMEngineGeneration?
    public var version: VersionGuess?
    /// Per `model_name`, sorted by name.
    public var models: [ModelMetrics]
    /// All models together (model name "").
    public var total: ModelMetrics
    public var cacheConfigs: [CacheConfig]
    /// The series name read for each column (the current one of a renamed pair when both are present).
    public var sources: [String: String]

    public var cacheConfig: CacheConfig? { cacheConfigs.first }
    public var metricsDisabled: Bool { availability == .metricsDisabled }

    public func model(_ name: String) -> ModelMetrics? { models.first { $0.model == name } }

    public init(exposition: Exposition, time: Date = Date()) {
        self.time = time
        let kind = Self.kind(of: exposition)
        self.kind = kind
        sources = [:]
        cacheConfigs = []
        guard let kind else {
            availability = .metricsDisabled
            models = []
            total = ModelMetrics(model: "")
            return
        }
        availability = .live
        let vocabulary = MetricVocabulary.of(kind)
        var byModel: [String: ModelMetrics] = [:]
        var kvSums: [String: (sum: Double, count: Int)] = [:]
        func modelName(_ labels: [Label]) -> String {
            guard let key = vocabulary.modelLabel else { return "" }
            return labels.first { $0.name == key }?.value ?? ""
        }
        func update(_ model: String, _ change: (inout ModelMetrics) -> Void) {
            var metrics = byModel[model] ?? ModelMetrics(model: model)
            change(&metrics)
            byModel[model] = metrics
        }
        func noteEngine(_ labels: [Label], _ model: String) {
            guard let engine = labels.first(where: { $0.name == "engine" })?.value else { return }
            update(model) { if !$0.engines.contains(engine) { $0.engines.append(engine) } }
        }

        for column in GaugeColumn.allCases {
            guard let names = vocabulary.gauges[column],
                  let name = names.first(where: { exposition.hasSamples(named: $0) }) else { continue }
            sources[column.rawValue] = name
            for sample in exposition.samples(named: name) where !sample.value.isNaN {
                let model = modelName(sample.labels)
                noteEngine(sample.labels, model)
                update(model) { metrics in
                    if let current = metrics.gauges[column] {
                        metrics.gauges[column] = column.combinesBySum ? current + sample.value : max(current, sample.value)
                    } else {
                        metrics.gauges[column] = sample.value
                    }
                }
                if column == .kvCacheUsage || column == .prefixCacheHitRate {
                    let key = column.rawValue + "\u{0}" + model
                    kvSums[key] = ((kvSums[key]?.sum ?? 0) + sample.value, (kvSums[key]?.count ?? 0) + 1)
                }
            }
        }
        for (key, entry) in kvSums {
            let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
            let model = parts.count > 1 ? String(parts[1]) : ""
            let mean = entry.sum / Double(entry.count)
            if parts[0] == Substring(GaugeColumn.kvCacheUsage.rawValue) {
                update(model) { $0.kvCacheUsageMean = mean }
            } else {
                update(model) { $0.gauges[.prefixCacheHitRate] = mean }
            }
        }

        for column in CounterColumn.allCases {
            guard let names = vocabulary.counters[column],
                  let name = names.first(where: { exposition.hasSamples(named: $0) }) else { continue }
            sources[column.rawValue] = name
            for sample in exposition.samples(named: name) where !sample.value.isNaN {
                let model = modelName(sample.labels)
                noteEngine(sample.labels, model)
                // A series that exists but does not count (a failure counter's "stop" sample) still says 0, not unknown.
                update(model) { $0.counters[column, default: 0] += column.counts(sample.labels) ? sample.value : 0 }
            }
        }

        for column in HistogramColumn.allCases {
            guard let names = vocabulary.histograms[column] else { continue }
            var chosen: (name: String, series: [HistogramSeries])?
            for name in names {
                let series = exposition.histograms(named: name)
                if !series.isEmpty { chosen = (name, series); break }
            }
            guard let (name, allSeries) = chosen else { continue }
            sources[column.rawValue] = name
            for series in allSeries {
                let model = modelName(series.labels)
                noteEngine(series.labels, model)
                update(model) { metrics in
                    if let current = metrics.histograms[column] {
                        // Engines with another bucket layout cannot be added; the first layout is kept.
                        metrics.histograms[column] = current.adding(series.histogram) ?? current
                    } else {
                        metrics.histograms[column] = series.histogram
                    }
                }
            }
        }

        if kind == .vllm {
            cacheConfigs = exposition.samples(named: "vllm:cache_config_info").map { CacheConfig(labels: $0.labels) }
        }
        models = byModel.values.sorted { $0.model < $1.model }
        total = Self.combine(models)
        if kind == .vllm {
            generation = Self.generation(of: exposition)
            version = VersionGuess(exposition: exposition)
        }
    }

    /// Adds models together: sums for sums, max for maxima, histograms bucket-wise.
    static func combine(_ models: [ModelMetrics]) -> ModelMetrics {
        var total = ModelMetrics(model: "")
        var kvMeans: [Double] = []
        var hitRates: [Double] = []
        for model in models {
            for (column, value) in model.gauges {
                if column == .prefixCacheHitRate { hitRates.append(value); continue }
                if let current = total.gauges[column] {
                    total.gauges[column] = column.combinesBySum ? current + value : max(current, value)
                } else {
                    total.gauges[column] = value
                }
            }
            for (column, value) in model.counters { total.counters[column, default: 0] += value }
            for (column, histogram) in model.histograms {
                if let current = total.histograms[column] {
                    total.histograms[column] = current.adding(histogram) ?? current
                } else {
                    total.histograms[column] = histogram
                }
            }
            if let mean = model.kvCacheUsageMean { kvMeans.append(mean) }
            for engine in model.engines where !total.engines.contains(engine) { total.engines.append(engine) }
        }
        if !kvMeans.isEmpty { total.kvCacheUsageMean = kvMeans.reduce(0, +) / Double(kvMeans.count) }
        if !hitRates.isEmpty { total.gauges[.prefixCacheHitRate] = hitRates.reduce(0, +) / Double(hitRates.count) }
        return total
    }

    static func kind(of exposition: Exposition) -> EngineKind? {
        var found: Set<EngineKind> = []
        for family in exposition.families {
            if family.name.hasPrefix("vllm:") { found.insert(.vllm) }
            else if family.name.hasPrefix("sglang:") { found.insert(.sglang) }
            else if family.name.hasPrefix("llamacpp:") { found.insert(.llamaCpp) }
            else if family.name.hasPrefix("tgi_") { found.insert(.tgi) }
        }
        return [EngineKind.vllm, .sglang, .llamaCpp, .tgi].first { found.contains($0) }
    }

    static let v1OnlyFamilies = [
        "vllm:kv_cache_usage_perc", "vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total",
        "vllm:inter_token_latency_seconds", "vllm:engine_sleep_state", "vllm:num_requests_waiting_by_reason",
        "vllm:request_prefill_kv_computed_tokens", "vllm:prompt_tokens_by_source_total",
    ]
    static let v0OnlyFamilies = [
        "vllm:num_requests_swapped", "vllm:cpu_cache_usage_perc", "vllm:gpu_prefix_cache_hit_rate",
        "vllm:cpu_prefix_cache_hit_rate", "vllm:avg_prompt_throughput_toks_per_s",
        "vllm:avg_generation_throughput_toks_per_s", "vllm:spec_decode_draft_acceptance_rate",
        "vllm:time_in_queue_requests", "vllm:model_forward_time_milliseconds",
    ]

    static func generation(of exposition: Exposition) -> VLLMEngineGeneration {
        let hasEngineLabel = exposition.families.contains { family in
            family.name.hasPrefix("vllm:") && family.samples.contains { $0.label("engine") != nil }
        }
        let v1 = hasEngineLabel || v1OnlyFamilies.contains { exposition.family(named: $0) != nil }
        let v0 = v0OnlyFamilies.contains { exposition.family(named: $0) != nil }
        switch (v0, v1) {
        case (true, true): return .mixed
        case (false, true): return .v1
        case (true, false): return .v0
        case (false, false): return .unknown
        }
    }
}
