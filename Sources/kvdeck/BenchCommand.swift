import ArgumentParser
import Engine
import Foundation

/// `kvdeck bench MODEL`: the CPU engine's speed on this machine (`Engine.DecodeBenchmark`, the
/// code behind Benchmarks/EngineDecode), as a table or JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the CPU engine: memory bandwidth, decode against its ceiling, batched decode, prefill.",
        discussion: """
        Rows: copy bandwidth (a memcpy far larger than the caches, read plus write), the weight \
        bytes a decode step reads per token, the decode ceiling (bandwidth / those bytes), batch-1 \
        decode and its share of the ceiling, batched decode (aggregate tokens/s) against batch 1, \
        and prefill tokens/s. Decode figures are from the median step, with the fastest step \
        beside them; the CPUs column is what this process got, so fewer CPUs than threads means \
        other processes took the cores. Progress goes to stderr.

        Figures from a debug build are not representative: build with \
        `swift build -c release --product kvdeck` and run .build/release/kvdeck bench.
        """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    enum Arithmetic: String, ExpressibleByArgument, CaseIterable {
        case exact, int8, int16
        var value: CPUArithmetic {
            switch self {
            case .exact: .exact
            case .int8: .int8Activations
            case .int16: .int16Activations
            }
        }
    }

    @Argument(help: ArgumentHelp(ModelArgument.help))
    var model: String = "default"

    @Option(help: "CPU threads (default: one per core).")
    var threads: Int?

    @Option(help: "Decode batch sizes, comma-separated.")
    var batchSizes = "1,8,32"

    @Option(help: "Prompt tokens for the prefill row.")
    var prefill = 512

    @Option(help: "Tokens each decoding sequence has cached before the timed steps.")
    var context = 64

    @Option(help: "Timed decode steps per batch size.")
    var steps = 48

    @Option(help: "Copy and prefill figures are the best of this many runs.")
    var repeats = 3

    @Option(help: "Activation arithmetic: int16 (the engine's default), int8, or exact (float32).")
    var arithmetic: Arithmetic = .int16

    @Option(help: "KV-cache element type: auto (half; float32 with --arithmetic exact), float16 or float32.")
    var kvCacheDtype = "auto"

    @Option(name: [.short, .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Also time each phase of the decode steps (products, attention, norms): wall ms per step.")
    var phases = false

    /// `--batch-sizes` read, or nil when it is not a list of positive numbers.
    var batches: [Int]? {
        let parts = batchSizes.split(separator: ",", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.count == parts.count, sizes.allSatisfy({ $0 > 0 }) else { return nil }
        return Array(Set(sizes)).sorted()
    }

    func validate() throws {
        guard batches != nil else { throw ValidationError("--batch-sizes must be positive numbers separated by commas, e.g. 1,8,32; got \"\(batchSizes)\"") }
        guard prefill >= 1 else { throw ValidationError("--prefill must be at least 1") }
        guard context >= 1 else { throw ValidationError("--context must be at least 1") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        do { _ = try KVCacheDType(flag: kvCacheDtype) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        do {
            if BenchReport.isDebugBuild {
                EngineProgress.say("bench", "this is a debug build: its figures are not representative (swift build -c release --product kvdeck)")
            }
            // The bench measures the CPU kernels whatever serve would pick; say what that would be.
            switch CUDAProbe.probe() {
            case .success(let d):
                EngineProgress.say("bench", "backend: CPU (kvdeck bench measures the CPU kernels; serve would use CUDA on \(d.summary), measured by cuda/check/run)")
            case .failure(let why):
                EngineProgress.say("bench", "backend: CPU (CUDA unavailable: \(why.reason))")
            }
            let (files, _) = try LoadedEngineModel.files(model, command: "bench")
            var options = DecodeBenchmark.Options()
            options.threads = threads
            options.batchSizes = batches ?? options.batchSizes
            options.prefillLength = prefill
            options.contextLength = context
            options.decodeSteps = steps
            options.repeats = repeats
            options.phases = phases
            options.arithmetic = arithmetic.value
            options.kvCacheFormat = try KVCacheDType(flag: kvCacheDtype).cpuFormat
            let result = try DecodeBenchmark.run(model: files.weights, options: options) { EngineProgress.say("bench", $0) }
            let report = BenchReport(model: files.path, options: options, result: result)
            switch output {
            case .text: print(report.table, terminator: "")
            case .json: print(try report.json())
            }
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}
