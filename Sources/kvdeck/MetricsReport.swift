import Foundation
import Telemetry

/// What `kvdeck metrics` derives from one exposition (and, with a second sample, from the window
/// between them). Codable for `-o json`; nil fields are left out, meaning "not known".
struct MetricsReport: Codable {
    struct Issue: Codable { var line: Int; var reason: String }
    struct Recognised: Codable { var column: String; var series: String }
    struct Server: Codable {
        var kind: String
        var generation: String?
        var version: String?
        var versionEvidence: [String]?
    }
    struct Model: Codable {
        var model: String
        var engines: [String]?
        var kvCacheUsage: Double?
        var kvCacheUsageMean: Double?
        var running: Double?
        var waiting: Double?
    }
    struct Cache: Codable {
        var blockSize: Int?
        var numGPUBlocks: Int?
        var kvCacheTokens: Int?
        var gpuMemoryUtilization: Double?
        var cacheDType: String?
    }
    struct GPU: Codable {
        var uuid: String?
        var gpu: String?
        var modelName: String?
        var namespace: String?
        var pod: String?
        var container: String?
        var memoryUsedMiB: Double?
        var memoryTotalMiB: Double?
        var utilizationPercent: Double?
        var graphicsEngineActive: Double?
        var temperatureC: Double?
        var powerW: Double?
    }
    struct Window: Codable {
        var seconds: Double
        var total: DerivedNumbers
        var models: [String: DerivedNumbers]
    }

    var source: String
    var format: String
    var lines: Int
    var families: Int
    var samples: Int
    var badLines: [Issue]
    /// nil: no inference-server families at all.
    var server: Server?
    var metricsDisabled: Bool
    var recognised: [Recognised]
    var models: [Model]
    var total: Model?
    var cache: Cache?
    var gpus: [GPU]
    var window: Window?

    init(source: String, exposition: Exposition, snapshot: ServerSnapshot, window: WindowStats?) {
        self.source = source
        format = exposition.format == .openMetrics ? "OpenMetrics 1.0" : "Prometheus text 0.0.4"
        lines = exposition.lineCount
        families = exposition.families.count
        samples = exposition.sampleCount
        badLines = exposition.badLines.map { Issue(line: $0.line, reason: $0.reason) }
        server = snapshot.kind.map { kind in
            Server(kind: Self.name(of: kind), generation: snapshot.generation.map(\.rawValue),
                   version: snapshot.version.map(\.description), versionEvidence: snapshot.version?.evidence)
        }
        metricsDisabled = snapshot.metricsDisabled
        recognised = snapshot.sources.sorted { $0.key < $1.key }.map { Recognised(column: $0.key, series: $0.value) }
        func model(_ m: ModelMetrics) -> Model {
            Model(model: m.model, engines: m.engines.isEmpty ? nil : m.engines, kvCacheUsage: m.kvCacheUsage,
                  kvCacheUsageMean: m.kvCacheUsageMean, running: m.running, waiting: m.waiting)
        }
        models = snapshot.models.map(model)
        total = snapshot.metricsDisabled ? nil : model(snapshot.total)
        cache = snapshot.cacheConfig.map {
            Cache(blockSize: $0.blockSize, numGPUBlocks: $0.numGPUBlocks, kvCacheTokens: $0.kvCacheTokens,
                  gpuMemoryUtilization: $0.gpuMemoryUtilization, cacheDType: $0.cacheDType)
        }
        gpus = GPUDevice.devices(in: exposition).map {
            GPU(uuid: $0.uuid, gpu: $0.index, modelName: $0.modelName, namespace: $0.namespace, pod: $0.pod,
                container: $0.container, memoryUsedMiB: $0.memoryUsedMiB, memoryTotalMiB: $0.memoryTotalMiB,
                utilizationPercent: $0.utilizationPercent, graphicsEngineActive: $0.graphicsEngineActive,
                temperatureC: $0.temperatureC, powerW: $0.powerW)
        }
        self.window = window.map { stats in
            Window(seconds: stats.seconds, total: DerivedNumbers(window: stats.total),
                   models: Dictionary(uniqueKeysWithValues: stats.models.map { ($0.model, DerivedNumbers(window: $0)) }))
        }
    }

    static func name(of kind: EngineKind) -> String {
        switch kind {
        case .vllm: return "vLLM"
        case .sglang: return "SGLang"
        case .llamaCpp: return "llama.cpp server"
        case .tgi: return "TGI"
        }
    }
}
