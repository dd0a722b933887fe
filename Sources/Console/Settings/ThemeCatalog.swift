import Foundation
import Terminal

/// Finds and loads themes: a path to a `.yaml` file, or a name looked up in the theme folders —
/// the user's (`$XDG_CONFIG_HOME/kvdeck/themes`, `~/.config/kvdeck/themes`), then the `themes`
/// folder shipped beside the binary (`<prefix>/share/kvdeck/themes`, or the source checkout's
/// `themes/` above `.build/…/kvdeck`).
public struct ThemeCatalog: Sendable {
    public var directories: [URL]

    public init(directories: [URL]) {
        self.directories = directories
    }

    public init(environment: [String: String],
                executable: URL = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "kvdeck")) {
        var dirs: [URL] = []
        if let dir = environment["KVDECK_THEMES_DIR"], !dir.isEmpty { dirs.append(URL(fileURLWithPath: dir)) }
        dirs.append(ConsoleConfig.configDirectory(environment: environment).appendingPathComponent("themes"))
        var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        // Walk up from the binary: <prefix>/bin → <prefix>/share/kvdeck/themes; .build/debug → repo/themes.
        for _ in 0..<5 {
            dirs.append(folder.appendingPathComponent("share/kvdeck/themes"))
            dirs.append(folder.appendingPathComponent("themes"))
            folder = folder.deletingLastPathComponent()
        }
        directories = dirs
    }

    /// Theme names found in the folders (file names without `.yaml`/`.yml`), sorted.
    public func names() -> [String] {
        var found = Set<String>()
        for dir in directories {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                if file.hasSuffix(".yaml") || file.hasSuffix(".yml") { found.insert(String(file.split(separator: ".").dropLast().joined(separator: "."))) }
            }
        }
        return found.sorted()
    }

    /// The file a name or path refers to, if it exists.
    public func file(for nameOrPath: String) -> URL? {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            let url = URL(fileURLWithPath: nameOrPath)
            return FileManager.default.fileExists(atPath: url.path) ? url : nil
        }
        for dir in directories {
            for ext in ["yaml", "yml"] {
                let url = dir.appendingPathComponent("\(nameOrPath).\(ext)")
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
        }
        return nil
    }

    /// Loads a theme; throws a `SkinError` whose text names the theme and what is wrong.
    public func load(_ nameOrPath: String) throws -> Theme {
        guard let url = file(for: nameOrPath) else {
            let known = names()
            throw SkinError(message: "theme \"\(nameOrPath)\" not found" + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))"))
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw SkinError(message: "theme \(url.path): cannot read it")
        }
        do {
            return Theme(skin: try Skin.parse(text))
        } catch let error as SkinError {
            throw SkinError(message: "theme \(url.path): \(error.message)")
        }
    }

    /// The theme the user chose, in order: `--theme`, `KVDECK_THEME`, the config file's `theme`.
    /// Without a choice, the built-in standard theme. A theme that cannot be used gives the
    /// standard theme and one message saying why.
    public func choose(flag: String?, environment: [String: String], config: ConsoleConfig) -> (theme: Theme, problem: String?) {
        let choice = [flag, environment["KVDECK_THEME"], config.theme].compactMap { $0 }.first { !$0.isEmpty }
        guard let choice, choice != "default" else { return (.standard, nil) }
        do {
            return (try load(choice), nil)
        } catch {
            return (.standard, "\(error); using the default theme")
        }
    }
}
