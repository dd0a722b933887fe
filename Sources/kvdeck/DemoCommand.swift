import ArgumentParser
import Console
import Foundation
import Kube
import LocalClusterServer

/// `kvdeck demo`: the embedded local cluster, seeded, with the console on it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded local cluster (a seeded Kubernetes API on 127.0.0.1) and open the console on it.",
        discussion: """
        The cluster lives as long as this command. With --serve-only it keeps running without the \
        console and prints the kubeconfig path, so kubectl can be used beside it.
        """)

    @Flag(name: .long, help: "Run the cluster only (no console); print the kubeconfig path and wait for Ctrl-C.")
    var serveOnly = false

    @Option(name: .long, help: "Port for the API server (0 picks a free one).")
    var port: Int = 0

    @Flag(name: .long, help: "Start empty, without the demo's namespace, nodes and workloads.")
    var noSeed = false

    @Flag(name: .long, help: "Seed without the gentle load generator (pods serve only what you send them).")
    var noLoad = false

    @Flag(name: .long, help: "Run every pod as a stand-in server instead of the engine (lighter; no completions).")
    var standInPods = false

    @Flag(name: .long, help: "No colours in the console (also when NO_COLOR is set).")
    var noColor = false

    @Option(name: .long, help: "Console theme: a name in themes/ or a k9s skin file (also KVDECK_THEME).")
    var theme: String?

    @MainActor
    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let cluster: EmbeddedCluster
        let started: EmbeddedCluster.Started
        do {
            cluster = try EmbeddedCluster(port: port, stateDirectory: LocalKubeconfig.defaultStateDirectory(environment: environment),
                                          engine: !standInPods)
            started = try await cluster.start(seed: !noSeed, load: !noLoad) { step in
                FileHandle.standardError.write(Data("kvdeck demo: \(step)\n".utf8))
            }
        } catch {
            throw Diagnostics.fail(error)
        }
        if serveOnly {
            // Written at once, not buffered: whoever started us (a script, a test) waits for these lines.
            FileHandle.standardOutput.write(Data("""
            The local cluster is running at \(started.serverURL).
            Use it with kubectl:  export KUBECONFIG=\(started.kubeconfigPath)
            Press Ctrl-C to stop it.

            """.utf8))
            await waitForInterrupt()
            await cluster.stop()
            return
        }
        do {
            // Parsed, not built field by field: argument-parser's wrappers only hold values it decoded.
            let options = try ClusterOptions.parse(["--kubeconfig", started.kubeconfigPath])
            // The progress lines above vanish under curses: the console says it again.
            let notice = started.engineProblem.map { problem in
                (short: "stand-in pods: no model",
                 full: "pods run as stand-ins (completions answer 503); scripts/fetch-model fetches the model. \(problem)")
            }
            try await ConsoleCommand.open(cluster: options, noColor: noColor, theme: theme, clusterNotice: notice)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// Waits for SIGINT or SIGTERM (Kubernetes-style stop), without killing the process at once.
    private func waitForInterrupt() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(continuation)
            for number in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
                source.setEventHandler { once.resume() }
                source.resume()
                SignalSources.keep(source)
            }
        }
    }
}

/// Resumes a continuation the first time only (both signals may arrive).
private final class ResumeOnce: @unchecked Sendable {
    private var continuation: CheckedContinuation<Void, Never>?
    private let lock = NSLock()
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
    func resume() {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume()
    }
}

/// Signal sources must stay alive for the life of the wait.
private enum SignalSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    static func keep(_ source: any DispatchSourceSignal) { sources.append(source) }
}
