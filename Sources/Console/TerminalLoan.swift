import Kube
import Terminal

/// Lends the console's terminal to an interactive exec credential plugin (an SSO prompt): the
/// console leaves curses mode while the plugin runs and repaints when it is done.
/// `@unchecked Sendable`: the screen is only touched on the main actor.
public final class TerminalLoan: TerminalHandoff, @unchecked Sendable {
    @MainActor public weak var screen: NcursesScreen?

    public init() {}

    public func releaseTerminal() async {
        await MainActor.run { screen?.pause() }
    }

    public func reclaimTerminal() async {
        await MainActor.run { screen?.resume() }
    }
}
