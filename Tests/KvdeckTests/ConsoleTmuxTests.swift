import Engine
import Foundation
import KvdeckTestSupport
import XCTest

/// The console end to end, as a user drives it: `kvdeck demo` in a tmux pane (a real terminal,
/// ncurses and all), keys sent with `tmux send-keys`, the screen read back with `capture-pane`.
/// Path: workloads → pods → pod detail → logs → back → filter → :nodes → quit.
final class ConsoleTmuxTests: XCTestCase {
    private var tmux: String!
    /// The session and its own tmux server (`-L`), apart from any tmux the user or other tests run.
    private let session = "kvdeck-e2e-\(getpid())"

    override func setUpWithError() throws {
        guard let tmux = CommandRun.which("tmux") else { throw XCTSkip("tmux is not installed") }
        self.tmux = tmux
    }

    override func tearDown() {
        _ = shell("\(tmux!) -L \(session) kill-server")
        // kill-server leaves the socket file behind.
        let directory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(directory)/tmux-\(getuid())/\(session)")
    }

    /// Runs a shell line and returns its output. popen(3), not Foundation's Process: with tmux
    /// the latter was seen to leave its child unreaped and wait for it for good.
    private func shell(_ line: String) -> String {
        guard let pipe = popen(line + " 2>&1", "r") else { return "" }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, pipe)
            if n <= 0 { break }
            output.append(contentsOf: chunk[0..<n])
        }
        pclose(pipe)
        return String(decoding: output, as: UTF8.self)
    }

    private static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func capture() throws -> String {
        shell("\(tmux!) -L \(session) capture-pane -p -t \(session)")
    }

    /// Starts the session; the tmux server gets /dev/null, not our pipe, so reading ends.
    private func start(_ command: String) {
        _ = shell("\(tmux!) -L \(session) new-session -d -s \(session) -x 132 -y 40 \(Self.quote(command)) </dev/null >/dev/null")
    }

    /// Named keys ("Enter", "Escape", "Tab").
    private func send(_ keys: String...) throws {
        _ = shell("\(tmux!) -L \(session) send-keys -t \(session) " + keys.map(Self.quote).joined(separator: " "))
    }

    /// Text typed literally.
    private func type(_ text: String) throws {
        _ = shell("\(tmux!) -L \(session) send-keys -t \(session) -l -- \(Self.quote(text))")
    }

    /// Waits until the pane shows every one of `texts` (the console redraws on its own schedule).
    private func waitUntil(_ what: String, timeout: TimeInterval,
                           _ condition: (String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var pane = ""
        while Date() < deadline {
            pane = try capture()
            if condition(pane) { return }
            usleep(200_000)
        }
        throw PaneDidNotShow(description: "waited in vain for \(what):\n\(pane)")
    }

    @discardableResult
    private func waitFor(_ texts: String..., timeout: TimeInterval = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var pane = ""
        while Date() < deadline {
            pane = try capture()
            if texts.allSatisfy(pane.contains) { return pane }
            usleep(200_000)
        }
        throw PaneDidNotShow(description: "pane never showed \(texts):\n\(pane)")
    }

    func testWorkloadsPodsDetailLogsBackFilterNodes() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-tmux-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let command = "env -i HOME=\(home.path) PATH=/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 \(KvdeckBinary.path) demo 2>\(home.path)/stderr; sleep 30"
        start(command)

        // Workloads: the demo's seeded deployments, live, once the seed's third revision is out
        // (before that the pods change under us).
        var pane = try waitFor("smollm2-canary", "LIVE", "ctx:", timeout: 90)
        XCTAssertTrue(pane.contains("NAMESPACE") && pane.contains("MODEL"), pane)
        // This HOME has no model: the status line says why the pods' numbers stay idle.
        XCTAssertTrue(pane.contains("! stand-in pods: no model"), pane)
        try waitUntil("revision 3 of smollm2 ready", timeout: 90) { pane in
            pane.split(separator: "\n").contains { $0.hasPrefix("llm-prod   smollm2 ") && $0.contains(" 2/2 ") && $0.contains("  3  ") }
        }

        // Enter: the first workload's pods, once the old revision's pods are gone.
        try send("Enter")
        pane = try waitFor("pods(llm-prod/smollm2)", "Running")
        XCTAssertTrue(pane.contains("RESTARTS"), pane)
        try waitUntil("only the two running pods", timeout: 60) { pane in
            pane.split(separator: "\n").filter { $0.hasPrefix("smollm2-") }.count == 2 && !pane.contains("Terminating")
        }

        // Enter: the first pod's detail, honest about metrics.
        try send("Enter")
        pane = try waitFor("pod(llm-prod/smollm2-", "KV cache", "no metrics yet", "Containers")
        XCTAssertTrue(pane.contains("--max-num-seqs"), "container args are shown:\n\(pane)")

        // l: its logs, following.
        try send("l")
        pane = try waitFor("logs(llm-prod/smollm2-", "following", "stand-in")

        // Esc back to the detail, then to the pods and the workloads.
        try send("Escape")
        pane = try waitFor("KV cache")
        XCTAssertFalse(pane.contains("following"), pane)
        try send("Escape")
        try waitFor("RESTARTS")
        try send("Escape")
        try waitFor("MODEL", "smollm2-canary")

        // A filter: only the canary stays.
        try send("/")
        try type("-l track=canary")
        try send("Enter")
        pane = try waitFor("filter: /-l track=canary", "[1/2]")
        XCTAssertTrue(pane.contains("smollm2-canary"), pane)

        // :nodes, completed with Tab.
        try send(":")
        try type("no")
        try send("Tab")
        try waitFor(":nodes")
        try send("Enter")
        pane = try waitFor("gpu-node-a", "NVIDIA-H100-80GB-HBM3", "GPU-ALLOC")
        XCTAssertTrue(pane.contains("gpu-node-c") && pane.contains("NVIDIA-A100-SXM4-80GB"), pane)

        // q quits; the demo stops with it.
        try send("q")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, try capture().contains("gpu-node-a") { usleep(200_000) }
        XCTAssertFalse(try capture().contains("GPU-ALLOC"), "q leaves the console")
    }

    /// The chat pane on the local engine: `:chat`, a greedy question answered as it streams,
    /// ctrl-c stops a long reply without quitting, Esc goes back; `c` opens a workload's chat.
    func testChatPaneAnswersCancelsAndGoesBack() throws {
        let model = DefaultModel.path(environment: ProcessInfo.processInfo.environment)
        guard FileManager.default.fileExists(atPath: model) else {
            XCTFail("the default model is missing at \(model); run scripts/fetch-model")
            return
        }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-tmux-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        // Stand-in pods and no load: the machine's cores go to the chat's own engine.
        let command = "env -i HOME=\(home.path) PATH=/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 KVDECK_MODEL_CACHE=\(ServedDemo.modelCache) "
            + "\(KvdeckBinary.path) demo --no-load --stand-in-pods 2>\(home.path)/stderr; sleep 30"
        start(command)
        try waitFor("smollm2-canary", "LIVE", timeout: 90)

        try send(":")
        try type("chat")
        try send("Enter")
        try waitFor("chat(local)", "local SmolLM2-135M-Instruct", "temp 0.70")
        // Greedy, so the answer is known; "q" and ":" are text in the input, not commands.
        try type(":temp 0")
        try send("Enter")
        try waitFor("temp 0.00")
        try type("What is the capital of France?")
        try send("Enter")
        var pane = try waitFor("The capital of France is Paris.", "done (stop)", timeout: 120)
        XCTAssertTrue(pane.contains("TTFT ") && pane.contains(" tok/s"), pane)
        XCTAssertTrue(pane.contains("KV ") && pane.contains(" blocks"), pane)

        // A long reply, stopped by ctrl-c while it streams; the console stays.
        try type(":max 2048")
        try send("Enter")
        try type("Write a very long story about a dragon who learns to cook.")
        try send("Enter")
        try waitFor("generating", timeout: 60)
        try send("C-c")
        pane = try waitFor("cancelled", timeout: 20)
        XCTAssertTrue(pane.contains("chat(local)"), "ctrl-c did not quit:\n\(pane)")
        usleep(500_000)
        XCTAssertTrue(try capture().contains("chat(local)"))

        // Esc back to the workloads; c opens the selected workload's chat, Esc again.
        try send("Escape")
        try waitFor("MODEL", "smollm2-canary")
        try send("c")
        try waitFor("chat(llm-prod/smollm2")
        try send("Escape")
        try waitFor("MODEL", "smollm2-canary")
        try send("q")
    }
}

/// The pane did not reach the expected state in time; the error carries what it showed.
private struct PaneDidNotShow: Error, CustomStringConvertible {
    var description: String
}
