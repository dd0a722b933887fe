// Scrapes N targets every S seconds through the real scheduler and libcurl transport, against the
// vLLM-shaped test server, and reports the CPU this process spent per cycle (fetch, parse, derive),
// plus how late a main-actor ticker ran meanwhile (the console's key handling runs there).
// Usage: kvdeck-bench-scrape PORT [TARGETS] [INTERVAL] [CYCLES]   (README.md)
import Foundation
import Kube
import Telemetry

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func format(_ value: Double) -> String { String(format: "%.1f", value) }

/// Records how late a 10 ms main-actor timer fires: what a key press would wait for.
@MainActor final class Ticker {
    var lateness: [Double] = []
    private var task: Task<Void, Never>?
    func start() {
        task = Task { @MainActor in
            while !Task.isCancelled {
                let planned = Date().addingTimeInterval(0.01)
                try? await Task.sleep(for: .milliseconds(10))
                self.lateness.append(max(0, Date().timeIntervalSince(planned)) * 1000)
            }
        }
    }
    func stop() -> [Double] { task?.cancel(); defer { lateness = [] }; return lateness }
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: kvdeck-bench-scrape PORT [TARGETS] [INTERVAL] [CYCLES]\n".utf8))
    exit(2)
}
let count = arguments.count > 2 ? Int(arguments[2]) ?? 500 : 500
let interval = arguments.count > 3 ? Double(arguments[3]) ?? 5 : 5
let cycles = arguments.count > 4 ? Int(arguments[4]) ?? 6 : 6

let transport = try CurlTransport(options: TransportOptions(requestTimeout: .seconds(10)))
let targets = (0..<count).map { ScrapeTarget(source: .url(URL(string: "http://127.0.0.1:\(port)/pod/\($0)/metrics")!)) }
let scraper = Scraper(fetcher: ClusterMetricsFetcher(kube: nil, transport: transport),
                      configuration: .init(interval: interval, timeout: 4, maxConcurrent: 16))
await scraper.setTargets(targets)

let ticker = await Ticker()
await ticker.start()
try await Task.sleep(for: .seconds(2))
let idle = await ticker.stop()
print("targets: \(count), interval: \(format(interval)) s, cycles: \(cycles), max concurrent 16")
print("main-actor ticker, idle:    p50 \(format(percentile(idle, 0.5))) ms, p99 \(format(percentile(idle, 0.99))) ms late")

await ticker.start()
var cpu: [Double] = []
var wall: [Double] = []
for cycle in 1...cycles {
    let started = Date()
    let cpuBefore = cpuSeconds()
    let asked = await scraper.scrapeDue()
    let spent = (cpuSeconds() - cpuBefore) * 1000
    let took = Date().timeIntervalSince(started) * 1000
    let snapshot = await scraper.snapshot()
    let live = snapshot.targets.values.filter { $0.freshness(at: snapshot.time, staleAfter: snapshot.staleAfter) == .live }.count
    let rates = snapshot.targets.values.filter { $0.numbers?.generationTokensPerSecond != nil }.count
    print("cycle \(cycle): \(asked) scraped, \(live) live, \(rates) with rates: CPU \(format(spent)) ms, wall \(format(took)) ms")
    if cycle > 1 { cpu.append(spent); wall.append(took) }  // the first cycle opens the connections
    // The next cycle starts just after every target is due again (due = this cycle's start + interval).
    let rest = interval + 0.02 - Date().timeIntervalSince(started)
    if rest > 0 { try await Task.sleep(for: .milliseconds(Int(rest * 1000))) }
}
let busy = await ticker.stop()
var load = [0.0, 0.0, 0.0]
getloadavg(&load, 3)
print("CPU per cycle (cycles 2…): median \(format(percentile(cpu, 0.5))) ms, max \(format(cpu.max() ?? 0)) ms"
      + " = \(format(percentile(cpu, 0.5) / (interval * 10)))% of one core at one cycle per \(format(interval)) s")
print("wall per cycle: median \(format(percentile(wall, 0.5))) ms")
print("main-actor ticker, scraping: p50 \(format(percentile(busy, 0.5))) ms, p99 \(format(percentile(busy, 0.99))) ms late")
print("load average: \(load.map { String(format: "%.2f", $0) }.joined(separator: " ")) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
transport.shutdown()
