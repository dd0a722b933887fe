import Terminal

/// A screen with its own text input (the chat pane): the keys it claims go to it before the
/// console's own (`q`, `:`, `/`, ctrl-c), so typing "quit?" types it rather than quitting.
@MainActor
public protocol KeyCapturingScreen: Screen {
    func capturesKey(_ key: Key) -> Bool
}
