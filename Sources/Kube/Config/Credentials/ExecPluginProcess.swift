import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one exec credential plugin to completion and collects its stdout.
///
/// The blocking read and wait happen on a thread of their own so that neither Swift's
/// cooperative pool nor the caller's actor is held up while, say, a browser login completes.
struct ExecPluginProcess: Sendable {
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    /// Interactive plugins inherit stdin (to prompt); others read /dev/null. stderr always passes through.
    var interactive: Bool
    /// nil: no limit (interactive plugins wait for the person).
    var timeout: Duration?

    enum Outcome: Sendable {
        case exited(status: Int32, stdout: Data)
        case signaled(Int32)
        case timedOut
    }

    func run() async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let job = self
            Thread.detachNewThread {
                continuation.resume(with: Result { try job.runBlocking() })
            }
        }
    }

    private func runBlocking() throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        if !interactive { process.standardInput = FileHandle.nullDevice }
        try process.run()

        let watchdog = Watchdog(process: process)
        if let timeout {
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { watchdog.fire() }
        }
        // Read before waiting: a plugin that prints more than a pipe buffer would block otherwise.
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if watchdog.finish() { return .timedOut }
        if process.terminationReason == .uncaughtSignal { return .signaled(process.terminationStatus) }
        return .exited(status: process.terminationStatus, stdout: output)
    }

    /// Kills the plugin when its time is up, unless it already finished; remembers which happened.
    private final class Watchdog: @unchecked Sendable {
        private let lock = NSLock()
        private let process: Process
        private var finished = false
        private var fired = false

        init(process: Process) { self.process = process }

        func fire() {
            lock.lock()
            defer { lock.unlock() }
            guard !finished, process.isRunning else { return }
            fired = true
            kill(process.processIdentifier, SIGKILL)
        }

        /// Marks the run finished; returns whether the watchdog had killed it.
        func finish() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            finished = true
            return fired
        }
    }
}
