import ArgumentParser
import Foundation
import Telemetry

/// `kvdeck metrics FILE|URL`: parse one exposition and print what the console derives from it.
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Parse a /metrics exposition (file or URL) and print what the console reads from it.",
        discussion: """
        Prints the families recognised, the server kind (vLLM, SGLang, llama.cpp server, TGI) and, for \
        vLLM, the engine generation and a version range guessed from metric names and buckets; KV-cache \
        usage, running and waiting requests per model; the KV cache's configuration; DCGM GPUs.

        Given a second sample (--then FILE2 --interval S, or --interval S alone for a URL, which is \
        then read twice), also the rates and latency quantiles over the window between them: tokens \
        per second, TTFT/ITL/E2E p50 and p99 from bucket deltas, tokens per engine step, prefix-cache \
        hit rate, preemptions per second.

        Examples:
          kvdeck metrics vllm.prom
          kvdeck metrics before.prom --then after.prom --interval 15
          kvdeck metrics http://localhost:8000/metrics --interval 5 -o json
        """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "An exposition file, - for standard input, or an http(s) URL.")
    var source: String

    @Option(name: .long, help: "A second sample, taken --interval seconds after the first (file or URL).")
    var then: String?

    @Option(name: .long, help: "Seconds between the two samples (for a URL without --then: wait this long and read it again).")
    var interval: Double?

    @Option(name: [.short, .long], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(name: .long, help: "Seconds to wait for a URL to answer.")
    var timeout: Double = 10

    func validate() throws {
        if let interval, !(interval > 0) || !interval.isFinite { throw ValidationError("--interval must be a positive number of seconds") }
        if then != nil && interval == nil {
            throw ValidationError("--then needs --interval S: the seconds between the two samples")
        }
        if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        do {
            let first = try ExpositionSource(source)
            if interval != nil && then == nil && !first.isURL {
                throw ExpositionSource.Failure(description: "--interval without --then reads a URL twice; for files give the second one with --then FILE2")
            }
            let second = try then.map(ExpositionSource.init) ?? (interval != nil ? first : nil)
            let start = Date()
            let (exposition, snapshot) = try await read(first, at: start)
            var window: WindowStats?
            var shown = (exposition, snapshot, first.argument)
            if let second, let interval {
                // A URL is read again after waiting; a file's time is the stated interval.
                if second.isURL { try await Task.sleep(for: .milliseconds(Int(interval * 1000))) }
                let later = second.isURL ? Date() : start.addingTimeInterval(interval)
                let (exposition2, snapshot2) = try await read(second, at: later)
                window = WindowStats(from: snapshot, to: snapshot2)
                shown = (exposition2, snapshot2, second.argument)
            }
            let report = MetricsReport(source: shown.2, exposition: shown.0, snapshot: shown.1, window: window)
            switch output {
            case .text: print(report.text(), terminator: "")
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            }
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    private func read(_ source: ExpositionSource, at time: Date) async throws -> (Exposition, ServerSnapshot) {
        let (body, contentType) = try await source.read(timeout: timeout)
        do {
            // The scraper's own check: no family and not even empty text means this is not metrics.
            _ = try TargetReading.parse(.exposition(body, contentType: contentType), role: .server, at: time)
        } catch {
            throw ExpositionSource.Failure(description: "\(source.argument) is \(error)")
        }
        let exposition = Exposition(parsing: body, format: ExpositionFormat(contentType: contentType))
        return (exposition, ServerSnapshot(exposition: exposition, time: time))
    }
}
