import Terminal

/// The styles every screen draws with. The built-in theme reads well on dark and light terminals
/// because it keeps the terminal's own background; k9s-style skins from `themes/` come with the
/// console issue.
public struct Theme: Sendable, Equatable {
    public var body: Style
    public var header: Style
    public var headerAccent: Style
    public var tableHeader: Style
    public var row: Style
    public var cursor: Style
    public var footer: Style
    public var footerKey: Style
    public var ok: Style
    public var warning: Style
    public var error: Style
    public var muted: Style

    public static let standard = Theme(
        body: .plain,
        header: Style(foreground: .cyan),
        headerAccent: Style(foreground: .brightYellow, attributes: .bold),
        tableHeader: Style(foreground: .brightWhite, attributes: .bold),
        row: Style(foreground: .default),
        cursor: Style(foreground: .black, background: .cyan),
        footer: Style(foreground: .gray),
        footerKey: Style(foreground: .brightBlue, attributes: .bold),
        ok: Style(foreground: .green),
        warning: Style(foreground: .yellow),
        error: Style(foreground: .brightRed),
        muted: Style(foreground: .gray))

    /// Without colour, emphasis comes from attributes alone.
    public static let monochrome = Theme(
        body: .plain, header: .plain, headerAccent: Style(attributes: .bold), tableHeader: Style(attributes: [.bold, .underline]),
        row: .plain, cursor: Style(attributes: .reverse), footer: .plain, footerKey: Style(attributes: .bold),
        ok: .plain, warning: Style(attributes: .bold), error: Style(attributes: [.bold, .underline]), muted: Style(attributes: .dim))
}
