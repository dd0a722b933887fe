// Parses a ~200 KB vLLM exposition many times and prints the median. See README.md beside this file.
//   swift run -c release --scratch-path .build-bench-metrics kvdeck-bench-metrics [FIXTURE] [RUNS]
import Foundation
import Telemetry

let arguments = CommandLine.arguments
let fixturePath: String = {
    if arguments.count > 1 { return arguments[1] }
    let shared = ProcessInfo.processInfo.environment["KVDECK_SHARED"] ?? "../shared"
    return shared + "/fixtures/metrics/vllm-hybrid-v0v1-datadog-curated.prom"
}()
let runs = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 200) : 200
guard let fixture = FileManager.default.contents(atPath: fixturePath),
      let text = String(data: fixture, encoding: .utf8) else {
    FileHandle.standardError.write(Data("cannot read \(fixturePath)\n".utf8))
    exit(2)
}

// A data-parallel V1 server: every sample line repeated once per engine with an `engine` label, families
// kept contiguous, until the text reaches 200 KB.
let target = 200 * 1024
let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
let sampleBytes = lines.filter { !$0.hasPrefix("#") && $0.contains("{") }.reduce(0) { $0 + $1.utf8.count + 12 }
let engines = max(1, Int((Double(target) / Double(max(sampleBytes, 1))).rounded(.up)))
var out = ""
out.reserveCapacity(target + 65_536)
for line in lines {
    if !line.hasPrefix("#"), let brace = line.firstIndex(of: "{") {
        for engine in 0..<engines {
            out += line[...brace] + "engine=\"\(engine)\"," + line[line.index(after: brace)...] + "\n"
        }
    } else {
        out += line + "\n"
    }
}
let body = Array(out.utf8)

var check = Exposition(parsing: body)
precondition(check.badLines.isEmpty, "benchmark input has bad lines: \(check.badLines.prefix(3))")
var times: [Double] = []
for _ in 0..<runs {
    let start = DispatchTime.now().uptimeNanoseconds
    check = Exposition(parsing: body)
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}
times.sort()
let median = times[times.count / 2]
let p90 = times[min(times.count - 1, times.count * 9 / 10)]
let snapshotStart = DispatchTime.now().uptimeNanoseconds
let snapshot = ServerSnapshot(exposition: check)
let snapshotMs = Double(DispatchTime.now().uptimeNanoseconds - snapshotStart) / 1e6
print(String(format: "input: %d bytes, %d lines, %d samples, %d families, %d engines (from %@)",
             body.count, check.lineCount, check.sampleCount, check.families.count, engines,
             (fixturePath as NSString).lastPathComponent))
print(String(format: "parse: median %.3f ms, p90 %.3f ms, min %.3f ms over %d runs (%.0f MB/s at the median)",
             median, p90, times[0], runs, Double(body.count) / median / 1e3))
print(String(format: "snapshot (vLLM semantics, once): %.3f ms; models %d, engines %d",
             snapshotMs, snapshot.models.count, snapshot.total.engines.count))
