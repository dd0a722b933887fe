import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The current wall-clock time; injected so that tests can move time instead of sleeping.
public typealias WallClock = @Sendable () -> Date

/// Lets an interactive exec plugin use the terminal: the console leaves curses before the
/// plugin runs (e.g. an SSO prompt) and takes the screen back after.
public protocol TerminalHandoff: Sendable {
    /// Called before an interactive plugin starts; the terminal must be in normal mode on return.
    func releaseTerminal() async
    /// Called after it ended, whether it succeeded or not.
    func reclaimTerminal() async
}

/// How credential sources behave at run time; the defaults fit the real console.
public struct CredentialOptions: Sendable {
    public var clock: WallClock
    /// Whether standard input is a terminal (decides `spec.interactive` for exec plugins).
    public var stdinIsTerminal: @Sendable () -> Bool
    public var terminalHandoff: (any TerminalHandoff)?
    /// The longest a non-interactive exec plugin may run before it is killed.
    public var execTimeout: Duration
    /// How old a token read from `tokenFile` may get before it is read again.
    public var tokenFileMaxAge: TimeInterval
    /// The environment exec plugins inherit and search PATH in; nil means this process's.
    public var environment: [String: String]?

    public init(clock: @escaping WallClock = { Date() },
                stdinIsTerminal: @escaping @Sendable () -> Bool = { isatty(STDIN_FILENO) == 1 },
                terminalHandoff: (any TerminalHandoff)? = nil,
                execTimeout: Duration = .seconds(60),
                tokenFileMaxAge: TimeInterval = 60,
                environment: [String: String]? = nil) {
        self.clock = clock
        self.stdinIsTerminal = stdinIsTerminal
        self.terminalHandoff = terminalHandoff
        self.execTimeout = execTimeout
        self.tokenFileMaxAge = tokenFileMaxAge
        self.environment = environment
    }
}
