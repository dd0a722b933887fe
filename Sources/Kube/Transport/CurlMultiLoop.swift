import CCurl
import Foundation

/// One background thread driving one libcurl multi handle, for every transfer of a transport.
///
/// Other threads never touch the multi handle or an attached easy handle: they put commands on a
/// lock-protected queue and wake the loop with `curl_multi_wakeup`, the one multi call that is
/// thread-safe. The loop drains the queue, runs `curl_multi_perform`, collects finished transfers
/// with `curl_multi_info_read`, and sleeps in `curl_multi_poll`.
final class CurlMultiLoop: @unchecked Sendable {
    /// Thread name, visible in /proc/<pid>/task/*/comm and debuggers (at most 15 bytes on Linux).
    static let threadName = "kvd-curl-loop"

    private enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    // Guarded by `lock`.
    private var commands: [Command] = []
    private var stopping = false
    private var threadsStarted = 0
    private var loopThread: Thread?
    private var resumes = 0
    private var nudges = 0
    // Loop thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private let finished = DispatchSemaphore(value: 0)

    init() throws {
        try CurlLibrary.ensureInitialised()
        guard let multi = curl_multi_init() else {
            throw TransportError.other(code: -1, detail: "libcurl could not create a multi handle")
        }
        self.multi = multi
        // Several requests to one API server share one HTTP/2 connection when the server offers h2.
        _ = kvd_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        let thread = Thread { [self] in run() }
        thread.name = Self.threadName
        lock.withLock {
            threadsStarted += 1
            loopThread = thread
        }
        thread.start()
    }

    /// How many loop threads this loop has started; always 1 (tests check it).
    var startedThreadCount: Int { lock.withLock { threadsStarted } }

    /// How many times a paused transfer was resumed (diagnostics; tests check back-pressure with it).
    var resumeCount: Int { lock.withLock { resumes } }

    /// How many times a quiet transfer was nudged (diagnostics; see `StallNudge`).
    var nudgeCount: Int { lock.withLock { nudges } }

    /// Hands a configured transfer to the loop. After `stop`, fails it at once as cancelled.
    func submit(_ transfer: CurlTransfer) {
        guard enqueue(.add(transfer)) else {
            transfer.fail(.cancelled)
            return
        }
    }

    /// Removes the transfer if it is running; a transfer not yet added is dropped when it arrives.
    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelRequested = true
        _ = enqueue(.cancel(transfer))
    }

    /// Unpauses a transfer that the body buffer paused.
    func resume(_ transfer: CurlTransfer) {
        _ = enqueue(.resume(transfer))
    }

    /// Stops the thread, fails what is in flight as cancelled, and waits for the loop to finish
    /// (unless called on the loop thread itself). Safe to call more than once.
    func stop() {
        // Wakeups happen under the lock so that none can reach the multi handle after the loop
        // has seen `stopping` and freed it.
        let (first, thread): (Bool, Thread?) = lock.withLock {
            guard !stopping else { return (false, nil) }
            stopping = true
            curl_multi_wakeup(multi)
            return (true, loopThread)
        }
        guard first else { return }
        if Thread.current !== thread {
            finished.wait()
        }
    }

    private func enqueue(_ command: Command) -> Bool {
        lock.withLock {
            guard !stopping else { return false }
            commands.append(command)
            curl_multi_wakeup(multi)
            return true
        }
    }

    // MARK: Loop thread

    private func run() {
        nameLoopThread()
        while true {
            let (batch, stop) = lock.withLock {
                defer { commands.removeAll(keepingCapacity: true) }
                return (commands, stopping)
            }
            if stop {
                shutDown(unstarted: batch)
                return
            }
            for command in batch { apply(command) }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            nudgeStalled()
            // Sleeps until a socket is ready, libcurl's next timer, a wakeup, or a second at most.
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    /// Foundation's `Thread.name` does not reach the kernel on Linux, so tools (top -H, gdb, tests
    /// counting /proc/self/task/*/comm) would not see it; writing our own comm file does.
    private func nameLoopThread() {
        #if os(Linux)
        if let handle = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
            try? handle.write(contentsOf: Data(Self.threadName.utf8))
            try? handle.close()
        }
        #endif
    }

    private func apply(_ command: Command) {
        switch command {
        case .add(let transfer):
            guard let easy = transfer.easy else {
                transfer.fail(.cancelled)
                return
            }
            if transfer.cancelRequested {
                transfer.fail(.cancelled)
                return
            }
            let code = curl_multi_add_handle(multi, easy.raw)
            guard code == CURLM_OK else {
                transfer.fail(.other(code: Int(code.rawValue), detail: "libcurl refused the transfer: \(String(cString: curl_multi_strerror(code)))"))
                return
            }
            transfer.stallNudge = StallNudge(now: .now)
            active[easy.raw] = transfer
        case .cancel(let transfer):
            guard let easy = transfer.easy, active[easy.raw] != nil else { return }
            detach(easy.raw)
            transfer.fail(.cancelled)
        case .resume(let transfer):
            guard let easy = transfer.easy, active[easy.raw] != nil else { return }
            lock.withLock { resumes += 1 }
            transfer.pausedForBackPressure = false
            transfer.stallNudge.progressed(at: .now)
            // May call the write callback right here with the bytes refused earlier.
            _ = curl_easy_pause(easy.raw, CURLPAUSE_CONT)
        }
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            guard let transfer = active[handle] else {
                curl_multi_remove_handle(multi, handle)
                continue
            }
            detach(handle)
            transfer.complete(code)
        }
    }

    /// Pauses and unpauses each transfer that has been quiet past its `StallNudge` time, which
    /// makes libcurl look at it again (see `StallNudge` for the libcurl fault this works around).
    /// The unpause may call the write callback right here with bytes that were waiting.
    private func nudgeStalled() {
        let now = ContinuousClock.now
        for (handle, transfer) in active where !transfer.pausedForBackPressure && transfer.stallNudge.isDue(at: now) {
            transfer.stallNudge.nudged(at: now)
            _ = curl_easy_pause(handle, CURLPAUSE_RECV)
            _ = curl_easy_pause(handle, CURLPAUSE_CONT)
            lock.withLock { nudges += 1 }
        }
    }

    private func detach(_ handle: UnsafeMutableRawPointer) {
        curl_multi_remove_handle(multi, handle)
        active[handle] = nil
    }

    private func shutDown(unstarted batch: [Command]) {
        for (handle, transfer) in active {
            curl_multi_remove_handle(multi, handle)
            transfer.fail(.cancelled)
        }
        active = [:]
        for case .add(let transfer) in batch { transfer.fail(.cancelled) }
        curl_multi_cleanup(multi)
        finished.signal()
    }
}
