// kvdeck-bench-list: how long an `Informer<Pod>` over all namespaces takes to list and store every
// pod through the real client (kubeconfig, libcurl, streaming list decode), and the process's peak
// resident memory by then. Run by run.sh against a fixture server; see README.md.
//
// Usage: kvdeck-bench-list KUBECONFIG [MODE]
//   informer (default): Informer<Pod> over all namespaces until its first `synced`, which it reports
//     once the LIST is complete and stored (before the watch opens). Prints items, seconds, peak
//     RSS (getrusage ru_maxrss), resident now, and a check sum of GPUs and running pods.
//   list: one typed `client.list(Pod.self)`, no informer.
//   raw: the /api/v1/pods body through the libcurl transport, read and dropped.
import Foundation
import Kube
#if canImport(Glibc)
import Glibc
#endif

@main
struct ListBenchmark {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 || arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: kvdeck-bench-list KUBECONFIG [informer|list|raw]\n".utf8))
            exit(2)
        }
        do {
            exit(try await run(kubeconfig: arguments[1], mode: arguments.count == 3 ? arguments[2] : "informer"))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(kubeconfig: String, mode: String) async throws -> Int32 {
        let connection = try KubeconfigLoader(overrides: KubeconfigOverrides(kubeconfigPath: kubeconfig)).resolve()
        let client = KubeClient(connection: connection, transport: try CurlTransport(options: connection.transport))
        let clock = ContinuousClock()
        switch mode {
        case "informer":
            break
        case "list":
            // One typed LIST through the client, no informer: the decode alone.
            let start = clock.now
            let list = try await client.list(Pod.self, namespace: nil)
            let elapsed = clock.now - start
            print("list: items \(list.items.count), in \(format(elapsed)) s, peak RSS \(peakResidentKB()) KB, "
                  + "resident \(residentKB()) KB")
            return 0
        case "raw":
            // The body through the transport, read and dropped: what streaming itself costs.
            let url = try makeURL(connection.server.absoluteString + "/api/v1/pods")
            let transport = try CurlTransport(options: connection.transport)
            let start = clock.now
            let response = try await transport.stream(HTTPRequest(url: url))
            var bytes = 0
            for try await chunk in response.body { bytes += chunk.count }
            print("raw: \(bytes) bytes in \(format(clock.now - start)) s, peak RSS \(peakResidentKB()) KB")
            return 0
        default:
            FileHandle.standardError.write(Data("unknown mode \(mode): informer, list or raw\n".utf8))
            return 2
        }
        let informer = Informer<Pod>(client: client, namespace: nil)
        let start = clock.now
        let updates = await informer.updates()
        await informer.start()
        // The informer reports `synced` once its LIST is complete and stored, before it opens the
        // watch: the time to the first `synced` is the time to list and store everything.
        for await snapshot in updates {
            switch snapshot.state {
            case .synced:
                let elapsed = clock.now - start
                let peak = peakResidentKB()
                await informer.stop()
                let gpus = snapshot.items.reduce(Int64(0)) { $0 + $1.gpuRequest }
                let running = snapshot.items.reduce(0) { $0 + ($1.displayStatus == "Running" ? 1 : 0) }
                print("informer: items \(snapshot.items.count), synced in \(format(elapsed)) s, "
                      + "peak RSS \(peak) KB, resident \(residentKB()) KB, gpus \(gpus), running \(running)")
                return 0
            case let .reconnecting(_, lastError):
                FileHandle.standardError.write(Data("list failed: \(lastError)\n".utf8))
                await informer.stop()
                return 1
            case .loading, .stale:
                continue
            }
        }
        return 1
    }

    static func format(_ d: Duration) -> String {
        String(format: "%.3f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    static func makeURL(_ text: String) throws -> URL {
        guard let url = URL(string: text) else { throw KubeClientError.invalidURL(text) }
        return url
    }

    /// Peak resident set size of this process so far (ru_maxrss is in KB on Linux).
    static func peakResidentKB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
    }

    /// Resident set size now, from /proc/self/statm (pages).
    static func residentKB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return -1 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}
