import Console
import Foundation
import Terminal
import XCTest

/// Themes in the k9s skin schema: every shipped theme loads, a real k9s skin loads unchanged,
/// a broken one gives one clear message and the default theme; the config file's settings.
final class ThemeTests: XCTestCase {
    private var themesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("themes")
    }

    private var catalog: ThemeCatalog { ThemeCatalog(directories: [themesDirectory]) }

    func testEveryShippedThemeLoads() throws {
        let names = catalog.names()
        for required in ["default-dark", "light", "high-contrast", "monochrome", "dracula"] {
            XCTAssertTrue(names.contains(required), "themes/\(required).yaml is shipped: \(names)")
        }
        for name in names {
            XCTAssertNoThrow(try catalog.load(name), name)
        }
        let light = try catalog.load("light")
        XCTAssertEqual(light.body.background, .rgb(0xfa, 0xfa, 0xfa))
        XCTAssertEqual(light.row.background, .rgb(0xfa, 0xfa, 0xfa), "the body background lies under every style")
        let contrast = try catalog.load("high-contrast")
        XCTAssertEqual(contrast.cursor, Style(foreground: .rgb(0, 0, 0), background: .rgb(255, 255, 0)))
        XCTAssertEqual(contrast.gaugeHigh.foreground, .rgb(255, 0, 0), "kvdeck's gauge gradient")
        let mono = try catalog.load("monochrome")
        XCTAssertTrue(mono.cursor.attributes.contains(.reverse), "an uncoloured cursor is reverse video")
        XCTAssertEqual(mono.row.foreground, .default)
    }

    func testTheDefaultDarkFileIsTheBuiltInTheme() throws {
        let dark = try catalog.load("default-dark")
        XCTAssertEqual(dark.cursor, Theme.standard.cursor)
        XCTAssertEqual(dark.error.foreground, TerminalColor(parsing: "red"))
        XCTAssertEqual(dark.tableSorter, Theme.standard.tableSorter.with(foreground: .yellow))
    }

    /// dracula.yaml is laid out as k9s ships its skins: palette anchors at the top level, the
    /// skin under k9s: by alias, non-colour keys (showIcons) and lists (defaultChartColors).
    func testARealK9sSkinLoadsUnchanged() throws {
        let text = try String(contentsOf: themesDirectory.appendingPathComponent("dracula.yaml"), encoding: .utf8)
        let skin = try Skin.parse(text)
        XCTAssertEqual(skin.color("body.bgColor"), .rgb(0x28, 0x2a, 0x36))
        XCTAssertEqual(skin.color("views.table.header.sorterColor"), .rgb(0x8b, 0xe9, 0xfd))
        XCTAssertEqual(skin.colors("views.charts.defaultChartColors"), [.rgb(0xbd, 0x93, 0xf9), .rgb(0xff, 0x55, 0x55)])
        XCTAssertEqual(skin.color("views.charts.bgColor"), .default, "default means the terminal's own colour")
        let theme = Theme(skin: skin)
        XCTAssertEqual(theme.footerKey.foreground, .rgb(0xff, 0x79, 0xc6), "frame.menu.keyColor")
        XCTAssertEqual(theme.graph.foreground, .rgb(0xbd, 0x93, 0xf9))
        XCTAssertEqual(theme.gaugeHigh, Theme.standard.gaugeHigh.with(background: .rgb(0x28, 0x2a, 0x36)),
                       "a k9s skin without kvdeck keys keeps kvdeck's gauge colours")
    }

    func testABrokenThemeIsOneMessageAndTheDefault() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "k9s:\n  body:\n    fgColor: blurple\n".write(to: dir.appendingPathComponent("bad-colour.yaml"), atomically: true, encoding: .utf8)
        try "k9s: [unclosed\n".write(to: dir.appendingPathComponent("bad-yaml.yaml"), atomically: true, encoding: .utf8)
        try "skin:\n  body: {}\n".write(to: dir.appendingPathComponent("no-root.yaml"), atomically: true, encoding: .utf8)
        let catalog = ThemeCatalog(directories: [dir])
        let cases = [("bad-colour", "k9s.body.fgColor: \"blurple\" is not a colour"), ("bad-yaml", "not valid YAML"),
                     ("no-root", "no `k9s:` section"), ("missing", "theme \"missing\" not found")]
        for (name, expected) in cases {
            let (theme, problem) = catalog.choose(flag: name, environment: [:], config: ConsoleConfig())
            XCTAssertEqual(theme, .standard, name)
            let message = try XCTUnwrap(problem, name)
            XCTAssertTrue(message.contains(expected), message)
            XCTAssertTrue(message.hasSuffix("using the default theme"), message)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)")
        }
    }

    func testThemeChoiceOrder() throws {
        var config = ConsoleConfig()
        config.theme = "light"
        let fromConfig = catalog.choose(flag: nil, environment: [:], config: config)
        XCTAssertEqual(fromConfig.theme, try catalog.load("light"))
        let fromEnvironment = catalog.choose(flag: nil, environment: ["KVDECK_THEME": "high-contrast"], config: config)
        XCTAssertEqual(fromEnvironment.theme, try catalog.load("high-contrast"))
        let fromFlag = catalog.choose(flag: "dracula", environment: ["KVDECK_THEME": "high-contrast"], config: config)
        XCTAssertEqual(fromFlag.theme, try catalog.load("dracula"))
        XCTAssertEqual(catalog.choose(flag: nil, environment: [:], config: ConsoleConfig()).theme, .standard)
        let byPath = catalog.choose(flag: themesDirectory.appendingPathComponent("light.yaml").path, environment: [:], config: ConsoleConfig())
        XCTAssertNil(byPath.problem)
    }

    func testConfigFile() throws {
        let config = try ConsoleConfig.parse("""
        refreshRate: 5
        theme: dracula
        readOnly: true
        contexts:
          prod:
            metrics: {source: prometheus, url: "http://prom:9090"}
            readOnly: true
          dev:
            metrics: {source: pod-proxy}
        """)
        XCTAssertEqual(config.readOnlyContexts, ["prod"])
        XCTAssertThrowsError(try ConsoleConfig.parse("contexts: {prod: {readOnly: perhaps}}"))
        XCTAssertEqual(config.refreshRate, 5)
        XCTAssertEqual(config.theme, "dracula")
        XCTAssertTrue(config.readOnly)
        XCTAssertEqual(config.metricsSources["prod"], .init(source: "prometheus", url: "http://prom:9090"))
        XCTAssertEqual(config.metricsSources["dev"], .init(source: "pod-proxy"))
        XCTAssertThrowsError(try ConsoleConfig.parse("refreshRate: soon"))
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kvdeck-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".config/kvdeck"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "readOnly: maybe\n".write(to: home.appendingPathComponent(".config/kvdeck/config.yaml"), atomically: true, encoding: .utf8)
        let (loaded, problem) = ConsoleConfig.load(environment: ["HOME": home.path])
        XCTAssertEqual(loaded, ConsoleConfig())
        XCTAssertTrue(problem?.contains("readOnly must be true or false") ?? false, problem ?? "")
    }

    @MainActor func testReadOnlyAndTheStatusLine() async throws {
        let s = ConsoleFixtures.session()
        s.readOnly = true
        let frame = s.render(try ConsoleFixtures.state(), width: 120, height: 24, theme: try catalog.load("dracula"), glyphs: .unicode)
        XCTAssertTrue(frame.line(0).contains("ctx: prod  cluster: gpu-east  user: ops  ns: all  [read-only]"), frame.line(0))
        XCTAssertTrue(frame.line(1).hasPrefix(" LIVE · changed 3s ago"), frame.line(1))
        XCTAssertEqual(frame[0, 5].style.background, .rgb(0x28, 0x2a, 0x36), "the skin's background fills the screen")
    }
}
