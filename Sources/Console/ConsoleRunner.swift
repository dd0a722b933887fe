import Foundation
import Kube
import Terminal

/// Runs the console on the real terminal until the user quits: draws a frame when data or keys
/// changed something, and between frames lets the informers' tasks run.
@MainActor
public enum ConsoleRunner {
    public static func run(session: ConsoleSession, feed: ClusterFeed?, telemetry: TelemetryFeed? = nil,
                           environment: [String: String], noColor: Bool, terminalLoan: TerminalLoan? = nil) async throws {
        let screen = try NcursesScreen(environment: environment, noColor: noColor)
        terminalLoan?.screen = screen
        defer { screen.stop() }
        let theme = screen.depth == .monochrome ? Theme.monochrome : Theme.standard
        var dirty = true
        var lastSecond = Int(Date().timeIntervalSince1970)
        while !session.wantsQuit {
            var state = feed?.state ?? ClusterState()
            if feed?.changed == true { telemetry?.follow(state) }
            state.telemetry = telemetry?.snapshot ?? state.telemetry
            // Ages tick once a second even when nothing else changes.
            let second = Int(Date().timeIntervalSince1970)
            if dirty || feed?.changed == true || telemetry?.changed == true || second != lastSecond {
                let size = screen.size
                screen.present(session.render(state, width: size.width, height: size.height, theme: theme, glyphs: screen.glyphs))
                feed?.changed = false
                telemetry?.changed = false
                dirty = false
                lastSecond = second
            }
            if let key = screen.readKey(timeoutMilliseconds: 30) {
                session.handle(key, state: state, height: screen.size.height)
                dirty = true
            }
            // Let snapshot deliveries (main-actor tasks) run between polls.
            try? await Task.sleep(for: .milliseconds(20))
        }
        await feed?.stop()
        await telemetry?.stop()
    }
}
