import Terminal

/// The styles every screen draws with. `standard` keeps the terminal's own background, so it
/// reads well on dark and light terminals; skins from `themes/*.yaml` (k9s's schema, see
/// `Theme+Skin.swift`) replace it.
public struct Theme: Sendable, Equatable {
    public var body: Style
    /// Status-line values (context, cluster, ...).
    public var header: Style
    public var headerAccent: Style
    /// Status-line labels ("ctx:", "ns:").
    public var headerLabel: Style
    public var crumb: Style
    public var crumbActive: Style
    public var tableHeader: Style
    /// The sorted column's title in the table header (k9s `sorterColor`).
    public var tableSorter: Style
    public var row: Style
    public var cursor: Style
    public var footer: Style
    public var footerKey: Style
    public var prompt: Style
    /// The completion shown after the typed text (k9s `suggestColor`).
    public var promptSuggest: Style
    /// The active filter in the title bar (k9s `filterColor`).
    public var filter: Style
    public var helpSection: Style
    public var helpKey: Style
    public var ok: Style
    public var warning: Style
    public var error: Style
    public var muted: Style
    public var logs: Style
    public var graph: Style
    /// Gauge bands for GPU memory/utilisation and KV-cache use: low, moderate, high (nvitop's bands).
    public var gaugeLow: Style
    public var gaugeMid: Style
    public var gaugeHigh: Style
    public var canaryStable: Style
    public var canary: Style

    public static let standard = Theme(
        body: .plain,
        header: Style(foreground: .cyan),
        headerAccent: Style(foreground: .brightYellow, attributes: .bold),
        headerLabel: Style(foreground: .gray),
        crumb: Style(foreground: .black, background: .cyan),
        crumbActive: Style(foreground: .black, background: .brightYellow, attributes: .bold),
        tableHeader: Style(foreground: .brightWhite, attributes: .bold),
        tableSorter: Style(foreground: .brightYellow, attributes: .bold),
        row: Style(foreground: .default),
        cursor: Style(foreground: .black, background: .cyan),
        footer: Style(foreground: .gray),
        footerKey: Style(foreground: .brightBlue, attributes: .bold),
        prompt: Style(foreground: .brightWhite),
        promptSuggest: Style(foreground: .gray),
        filter: Style(foreground: .magenta, attributes: .bold),
        helpSection: Style(foreground: .brightYellow, attributes: .bold),
        helpKey: Style(foreground: .brightBlue, attributes: .bold),
        ok: Style(foreground: .green),
        warning: Style(foreground: .yellow),
        error: Style(foreground: .brightRed),
        muted: Style(foreground: .gray),
        logs: Style(foreground: .default),
        graph: Style(foreground: .cyan),
        gaugeLow: Style(foreground: .green),
        gaugeMid: Style(foreground: .yellow),
        gaugeHigh: Style(foreground: .brightRed),
        canaryStable: Style(foreground: .cyan),
        canary: Style(foreground: .magenta))

    /// Without colour, emphasis comes from attributes alone.
    public static let monochrome = Theme(
        body: .plain, header: .plain, headerAccent: Style(attributes: .bold), headerLabel: Style(attributes: .dim),
        crumb: Style(attributes: .reverse), crumbActive: Style(attributes: [.reverse, .bold]),
        tableHeader: Style(attributes: [.bold, .underline]), tableSorter: Style(attributes: [.bold, .underline]),
        row: .plain, cursor: Style(attributes: .reverse), footer: .plain, footerKey: Style(attributes: .bold),
        prompt: .plain, promptSuggest: Style(attributes: .dim), filter: Style(attributes: .bold),
        helpSection: Style(attributes: [.bold, .underline]), helpKey: Style(attributes: .bold),
        ok: .plain, warning: Style(attributes: .bold), error: Style(attributes: [.bold, .underline]), muted: Style(attributes: .dim),
        logs: .plain, graph: .plain, gaugeLow: .plain, gaugeMid: Style(attributes: .bold),
        gaugeHigh: Style(attributes: [.bold, .underline]), canaryStable: .plain, canary: Style(attributes: .bold))

    /// The gauge band for a percentage: below `low` light, from `high` heavy (nvitop: 10/75 for
    /// utilisation, 10/80 for memory).
    public func gauge(percent: Double, low: Double = 10, high: Double = 80) -> Style {
        percent < low ? gaugeLow : percent < high ? gaugeMid : gaugeHigh
    }
}
