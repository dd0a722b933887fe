import Foundation
import YAML

/// A k9s skin file (reference: k9s README "Skins", internal/config/styles.go): the colours under
/// the root `k9s:` key, by their dotted path below it ("views.table.header.fgColor"). Palettes
/// defined with YAML anchors at the top level (`purple: &purple "#bd93f9"`) resolve through the
/// aliases. kvdeck's own keys sit in the same tree (`views.gpu`, `views.kv`, `views.canary`), so
/// a k9s skin loads unchanged and a kvdeck theme is still a valid k9s skin.
public struct Skin: Sendable, Equatable {
    /// Colour leaves: keys ending in "Color" (k9s) and kvdeck's colour keys.
    public private(set) var colors: [String: TerminalColor]
    /// Colour lists (`defaultChartColors`, kvdeck's `gradient`).
    public private(set) var colorLists: [String: [TerminalColor]]

    public init(colors: [String: TerminalColor] = [:], colorLists: [String: [TerminalColor]] = [:]) {
        self.colors = colors
        self.colorLists = colorLists
    }

    public func color(_ path: String) -> TerminalColor? { colors[path] }
    public func colors(_ path: String) -> [TerminalColor]? { colorLists[path] }

    /// Parses a skin. Errors name the key and value, so one message tells the user what to fix.
    public static func parse(_ text: String) throws -> Skin {
        let document: JSONValue
        do {
            document = try YAML.parse(text)
        } catch {
            throw SkinError(message: "not valid YAML: \(error)")
        }
        guard let root = document["k9s"], root.objectValue != nil else {
            throw SkinError(message: "no `k9s:` section (a skin's colours live under it, as in k9s)")
        }
        var skin = Skin()
        try skin.collect(root, path: [])
        return skin
    }

    private mutating func collect(_ value: JSONValue, path: [String]) throws {
        switch value {
        case let .object(object):
            for (key, child) in object.entries { try collect(child, path: path + [key]) }
        case let .string(text) where Skin.isColorKey(path.last ?? ""):
            colors[path.joined(separator: ".")] = try Skin.color(text, path: path)
        case let .array(items) where Skin.isColorKey(path.last ?? ""):
            colorLists[path.joined(separator: ".")] = try items.map { item in
                guard let text = item.stringValue else { throw SkinError(message: "\(Skin.name(path)): expected a list of colours") }
                return try Skin.color(text, path: path)
            }
        case .null where Skin.isColorKey(path.last ?? ""):
            // An empty value means "unset" in k9s: the stock colour stays.
            break
        default:
            // Booleans (showIcons), styles (fgStyle: dim) and unknown keys: not colours, ignored
            // as k9s ignores keys it does not use.
            break
        }
    }

    static func isColorKey(_ key: String) -> Bool {
        key.hasSuffix("Color") || key.hasSuffix("Colors") || key == "gradient"
    }

    static func color(_ text: String, path: [String]) throws -> TerminalColor {
        guard let color = TerminalColor(parsing: text) else {
            throw SkinError(message: "\(name(path)): \"\(text)\" is not a colour (use a name such as dodgerblue, \"#rrggbb\" or default)")
        }
        return color
    }

    static func name(_ path: [String]) -> String { (["k9s"] + path).joined(separator: ".") }
}

/// Why a skin could not be used; `description` is the one line the console shows.
public struct SkinError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
