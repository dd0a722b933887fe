import Engine
import Foundation

// kvdeck-bench-engine [MODEL.gguf] [--arithmetic exact|int8|int16] [--path reference|avx2|avx512]
//                     [--kv-cache f32|f16 (default: f16, f32 with exact)] [--threads N] [--batches 1,8,32] [--context N] [--steps N] [--prefill N] [--quick]
//                     [--phases] [--sampling]
// Prints the copy bandwidth, then decode and prefill tokens/s (README.md beside this file); with
// --phases also each decode phase's wall ms per step. --sampling instead times the sampler over
// one step's logits of 32 sequences (the largest of --batches), rows in turn and in parallel.
var args = Array(CommandLine.arguments.dropFirst())
var options = DecodeBenchmark.Options()
var modelPath = DefaultModel.path(environment: ProcessInfo.processInfo.environment)
var samplingOnly = false

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(2)
}

while !args.isEmpty {
    let a = args.removeFirst()
    func value() -> String {
        guard !args.isEmpty else { fail("\(a) needs a value") }
        return args.removeFirst()
    }
    switch a {
    case "--arithmetic":
        switch value() {
        case "exact": options.arithmetic = .exact
        case "int8": options.arithmetic = .int8Activations
        case "int16": options.arithmetic = .int16Activations
        case let v: fail("unknown arithmetic \(v) (exact, int8, int16)")
        }
    case "--path":
        switch value() {
        case "reference": options.kernelPath = .reference
        case "avx2": options.kernelPath = .avx2
        case "avx512": options.kernelPath = .avx512
        case let v: fail("unknown kernel path \(v) (reference, avx2, avx512)")
        }
    case "--kv-cache":
        let v = value()
        guard let format = CPUKVCacheFormat(rawValue: v) else { fail("unknown KV cache format \(v) (f32, f16)") }
        options.kvCacheFormat = format
    case "--threads":
        guard let n = Int(value()), n > 0 else { fail("--threads needs a positive number") }
        options.threads = n
    case "--batches":
        let sizes = value().split(separator: ",").compactMap { Int($0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { fail("--batches needs positive numbers, e.g. 1,8,32") }
        options.batchSizes = sizes
    case "--context":
        guard let n = Int(value()), n > 0 else { fail("--context needs a positive number") }
        options.contextLength = n
    case "--steps":
        guard let n = Int(value()), n > 0 else { fail("--steps needs a positive number") }
        options.decodeSteps = n
    case "--prefill":
        guard let n = Int(value()), n > 0 else { fail("--prefill needs a positive number") }
        options.prefillLength = n
    case "--phases":
        options.phases = true
    case "--sampling":
        samplingOnly = true
    case "--quick":
        options.repeats = 1
        options.decodeSteps = 8
        options.prefillLength = 128
    case let p where !p.hasPrefix("-"):
        modelPath = p
    default:
        fail("unknown option \(a)")
    }
}

do {
    let model = try GGUFModel(path: modelPath)
    print("model: \(modelPath)")
    if samplingOnly {
        let rows = options.batchSizes.max() ?? 32
        print("sampling \(rows) rows of \(model.config.vocabSize) logits (ms per step, median; in turn on one thread / spread over the cores):")
        for r in try SamplingBenchmark.run(model: model, rows: rows, threads: options.threads) {
            let figures = String(format: "%7.3f / %7.3f  (%.2fx)", r.inTurnMilliseconds, r.parallelMilliseconds,
                                 r.inTurnMilliseconds / r.parallelMilliseconds)
            print("  \(r.setting.padding(toLength: 52, withPad: " ", startingAt: 0)) \(figures)")
        }
        exit(0)
    }
    let report = try DecodeBenchmark.run(model: model, options: options) { line in
        FileHandle.standardError.write(Data("  ... \(line)\n".utf8))
    }
    for line in report.lines { print(line) }
} catch {
    fail("\(error)")
}
