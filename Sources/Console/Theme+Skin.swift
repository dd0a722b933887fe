import Terminal

extension Theme {
    /// A theme from a k9s skin: each style takes the skin's colour where the skin sets one and
    /// the `base` theme's otherwise (k9s falls back to its stock skin the same way). The body's
    /// background is laid under every style that has none of its own, so a skin with a
    /// background paints the whole screen. Attributes (bold headers, reverse cursor when the skin
    /// leaves the cursor uncoloured) come from the base.
    public init(skin: Skin, base: Theme = .standard) {
        let background = skin.color("body.bgColor") ?? base.body.background
        func style(_ base: Style, fg: String?, bg: String? = nil) -> Style {
            var s = base
            if let fg, let c = skin.color(fg) { s.foreground = c }
            if let bg, let c = skin.color(bg) { s.background = c }
            if s.background == .default { s.background = background }
            return s
        }
        func first(_ paths: [String]) -> String? { paths.first { skin.color($0) != nil } }
        let gradient = skin.colors("views.gpu.gradient") ?? []
        func band(_ i: Int, _ base: Style) -> Style {
            var s = style(base, fg: nil)
            if gradient.count == 3 { s.foreground = gradient[i] }
            return s
        }
        self = base
        body = style(base.body, fg: "body.fgColor", bg: "body.bgColor")
        header = style(base.header, fg: "info.fgColor")
        headerAccent = style(base.headerAccent, fg: "body.logoColor")
        headerLabel = style(base.headerLabel, fg: "info.sectionColor")
        crumb = style(base.crumb, fg: "frame.crumbs.fgColor", bg: "frame.crumbs.bgColor")
        crumbActive = style(base.crumbActive, fg: "frame.crumbs.fgColor", bg: "frame.crumbs.activeColor")
        tableHeader = style(base.tableHeader, fg: first(["views.table.header.fgColor", "views.table.fgColor"]),
                            bg: "views.table.header.bgColor")
        tableSorter = style(base.tableSorter, fg: "views.table.header.sorterColor", bg: "views.table.header.bgColor")
        row = style(base.row, fg: first(["views.table.fgColor", "body.fgColor"]), bg: "views.table.bgColor")
        cursor = style(base.cursor, fg: first(["views.table.cursorFgColor", "views.table.bgColor", "body.bgColor"]),
                       bg: first(["views.table.cursorBgColor", "views.table.cursorColor", "frame.title.highlightColor"]))
        if cursor.foreground == cursor.background { cursor.attributes.insert(.reverse) }
        footer = style(base.footer, fg: "frame.menu.fgColor")
        footerKey = style(base.footerKey, fg: "frame.menu.keyColor")
        prompt = style(base.prompt, fg: "prompt.fgColor", bg: "prompt.bgColor")
        promptSuggest = style(base.promptSuggest, fg: "prompt.suggestColor", bg: "prompt.bgColor")
        filter = style(base.filter, fg: "frame.title.filterColor")
        helpSection = style(base.helpSection, fg: "help.sectionColor", bg: "help.bgColor")
        helpKey = style(base.helpKey, fg: "help.keyColor", bg: "help.bgColor")
        ok = style(base.ok, fg: first(["frame.status.addColor", "frame.status.newColor"]))
        warning = style(base.warning, fg: "frame.status.pendingColor")
        error = style(base.error, fg: "frame.status.errorColor")
        muted = style(base.muted, fg: first(["frame.status.completedColor", "frame.status.killColor"]))
        logs = style(base.logs, fg: "views.logs.fgColor", bg: "views.logs.bgColor")
        graph = style(base.graph, fg: nil)
        if let chart = skin.colors("views.charts.defaultChartColors")?.first { graph.foreground = chart }
        gaugeLow = band(0, base.gaugeLow)
        gaugeMid = band(1, base.gaugeMid)
        gaugeHigh = band(2, base.gaugeHigh)
        canaryStable = style(base.canaryStable, fg: "views.canary.stableColor")
        canary = style(base.canary, fg: "views.canary.canaryColor")
    }
}
