import Engine
import Foundation

/// `kvdeck bench`'s output: a `DecodeBenchmark.Report` as a table with the derived ratios (share
/// of the ceiling, speed-up over batch 1), or as JSON, plus what a reader needs to judge the
/// figures (build configuration, machine load).
struct BenchReport: Encodable {
    struct Decode: Encodable {
        var batch: Int
        var tokensPerSecond: Double
        var fastestTokensPerSecond: Double
        var cpus: Double?
        /// Batch 1 only: share of the ceiling (0...1), median and fastest step.
        var ofCeiling: Double?
        var fastestOfCeiling: Double?
        /// Batches above 1: aggregate tokens/s over batch 1's, and share of the batch ceiling.
        var timesBatch1: Double?
        var ofBatchCeiling: Double?
        /// With --phases: wall milliseconds per step in each phase of the pass.
        var phases: [PhaseTime]?

        enum CodingKeys: String, CodingKey {
            case batch, cpus, phases
            case tokensPerSecond = "tokens_per_s", fastestTokensPerSecond = "fastest_tokens_per_s"
            case ofCeiling = "of_ceiling", fastestOfCeiling = "fastest_of_ceiling", timesBatch1 = "times_batch_1"
            case ofBatchCeiling = "of_batch_ceiling"
        }
    }

    struct PhaseTime: Encodable {
        /// `ForwardPhaseTimes.Phase`'s case name (stable), and its words.
        var phase: String
        var name: String
        var milliseconds: Double
    }

    var model: String
    var build: String
    var loadAverage: Double?
    var cores: Int
    var threads: Int
    var kernelPath: String
    var arithmetic: String
    /// The KV cache's element type, as `--kv-cache-dtype` names it (float16, float32).
    var kvCacheDType: String
    var copyMiB: Int
    var copyBytesPerSecond: Double
    var weightBytesPerToken: Int
    var ceilingTokensPerSecond: Double
    /// The matrix products' multiply-adds per token; the instruction they use and what it
    /// sustains on every thread; the tokens/s that rate allows a batch (absent on the reference
    /// path).
    var multiplyAddsPerToken: Int
    var multiplyAddInstruction: String?
    var multiplyAddPeakPerSecond: Double?
    var batchCeilingTokensPerSecond: Double?
    var decode: [Decode]
    var prefillTokens: Int
    var prefillTokensPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case model, build, cores, threads, arithmetic, decode
        case loadAverage = "load_average", kernelPath = "kernel_path", kvCacheDType = "kv_cache_dtype", copyMiB = "copy_mib"
        case copyBytesPerSecond = "copy_bytes_per_s", weightBytesPerToken = "weight_bytes_per_token"
        case ceilingTokensPerSecond = "ceiling_tokens_per_s", prefillTokens = "prefill_tokens"
        case multiplyAddsPerToken = "multiply_adds_per_token", multiplyAddInstruction = "multiply_add_instruction"
        case multiplyAddPeakPerSecond = "multiply_add_peak_per_s", batchCeilingTokensPerSecond = "batch_ceiling_tokens_per_s"
        case prefillTokensPerSecond = "prefill_tokens_per_s"
    }

    static var isDebugBuild: Bool {
        #if DEBUG
        true
        #else
        false
        #endif
    }

    init(model: String, options: DecodeBenchmark.Options, result r: DecodeBenchmark.Report) {
        self.model = model
        build = Self.isDebugBuild ? "debug" : "release"
        loadAverage = Self.loadAverage()
        cores = ProcessInfo.processInfo.activeProcessorCount
        threads = r.threads
        kernelPath = r.kernelPath.description
        arithmetic = r.arithmetic.description
        kvCacheDType = r.kvCacheFormat == .float16 ? KVCacheDType.float16.rawValue : KVCacheDType.float32.rawValue
        copyMiB = options.copyBytes >> 20
        copyBytesPerSecond = r.copyBytesPerSecond
        weightBytesPerToken = r.weightBytesPerToken
        ceilingTokensPerSecond = r.ceilingTokensPerSecond
        multiplyAddsPerToken = r.multiplyAddsPerToken
        multiplyAddInstruction = r.multiplyAddPeak?.instruction
        multiplyAddPeakPerSecond = r.multiplyAddPeak?.perSecond
        batchCeilingTokensPerSecond = r.batchCeilingTokensPerSecond
        let base = r.decodeTokensPerSecond[1]
        decode = r.decodeTokensPerSecond.keys.sorted().map { b in
            let v = r.decodeTokensPerSecond[b]!, fast = r.decodeTokensPerSecondFastest[b] ?? v
            var d = Decode(batch: b, tokensPerSecond: v, fastestTokensPerSecond: fast, cpus: r.decodeCPUUtilization[b])
            if b == 1 {
                d.ofCeiling = v / r.ceilingTokensPerSecond
                d.fastestOfCeiling = fast / r.ceilingTokensPerSecond
            } else if let base {
                d.timesBatch1 = v / base
                d.ofBatchCeiling = r.batchCeilingTokensPerSecond.map { v / $0 }
            }
            d.phases = r.decodePhaseMilliseconds[b].map { phases in
                phases.map {
                    PhaseTime(phase: String(describing: $0.phase), name: $0.phase.name, milliseconds: $0.milliseconds)
                }
            }
            return d
        }
        prefillTokens = r.prefillLength
        prefillTokensPerSecond = r.prefillTokensPerSecond
    }

    /// The 1-minute load average (/proc/loadavg), so figures can be compared at similar load.
    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    func json() throws -> String { try JSONLine.string(self) }

    var table: String {
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        func pct(_ v: Double) -> String { f(100 * v) + "%" }
        var rows: [[String]] = [["METRIC", "VALUE", "NOTE"]]
        rows.append(["copy bandwidth", "\(f(copyBytesPerSecond / 1e9, 2)) GB/s", "memcpy of \(copyMiB) MiB, read+write"])
        rows.append(["weights per token", "\(f(Double(weightBytesPerToken) / 1e6, 2)) MB", "read by one decode step"])
        rows.append(["decode ceiling", "\(f(ceilingTokensPerSecond)) tokens/s", "bandwidth / weights per token"])
        if let instruction = multiplyAddInstruction, let peak = multiplyAddPeakPerSecond, let batchCeiling = batchCeilingTokensPerSecond {
            rows.append(["multiply-add peak", "\(f(peak / 1e9)) G/s", "\(instruction) on \(threads) threads"])
            rows.append(["batch ceiling", "\(f(batchCeiling)) tokens/s", "peak / \(f(Double(multiplyAddsPerToken) / 1e6)) M multiply-adds per token"])
        }
        for d in decode {
            var note: [String] = []
            if let c = d.ofCeiling, let fc = d.fastestOfCeiling {
                note.append("\(pct(c)) of ceiling (fastest step \(f(d.fastestTokensPerSecond)), \(pct(fc)))")
            } else if let x = d.timesBatch1 {
                note.append("\(f(x, 2))x batch 1 (fastest step \(f(d.fastestTokensPerSecond)))")
                if let c = d.ofBatchCeiling { note.append("\(pct(c)) of batch ceiling") }
            } else {
                note.append("fastest step \(f(d.fastestTokensPerSecond))")
            }
            if let c = d.cpus { note.append("\(f(c, 2)) CPUs") }
            rows.append(["decode batch \(d.batch)", "\(f(d.tokensPerSecond)) tokens/s", note.joined(separator: ", ")])
        }
        for d in decode {
            guard let phases = d.phases else { continue }
            let total = phases.reduce(0) { $0 + $1.milliseconds }
            for p in phases {
                rows.append(["  \(p.name)", "\(f(p.milliseconds, 3)) ms", "batch \(d.batch): \(pct(p.milliseconds / max(total, 1e-9))) of a step's \(f(total, 2)) ms"])
            }
        }
        rows.append(["prefill \(prefillTokens) tokens", "\(f(prefillTokensPerSecond)) tokens/s", "one forward pass"])

        var load = ""
        if let loadAverage { load = ", load average \(f(loadAverage, 2))" }
        var out = "\(model)\n\(build) build; kernels \(kernelPath), \(arithmetic), \(kvCacheDType) KV cache, \(threads) threads on \(cores) cores\(load)\n"
        let widths = (0..<3).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            let line = (0..<3).map { c in c == 2 ? row[c] : row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0) }
            out += line.joined(separator: "  ") + "\n"
        }
        return out
    }
}
