import Foundation

extension Process {
    /// SIGTERM, then SIGKILL if the process is still there after `grace`; waits a bounded time.
    /// Foundation's `waitUntilExit` is not used: it was seen to block for good in a tearDown.
    public func stop(grace: Duration = .seconds(3)) {
        guard isRunning else { return }
        terminate()
        if waitForExit(within: grace) { return }
        kill(processIdentifier, SIGKILL)
        _ = waitForExit(within: .seconds(3))
    }

    private func waitForExit(within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }
}
