import Foundation

/// Where the project's shared material lives: `../shared` beside the checkout (CI clones the
/// repository with `shared/` beside it), found by walking up from this file, or `$KVDECK_SHARED`.
/// Tests read fixtures and schemas from here and never write to them.
public enum SharedFixtures {
    public static let root: URL = {
        if let explicit = ProcessInfo.processInfo.environment["KVDECK_SHARED"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = directory.appendingPathComponent("shared")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("fixtures").path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        // Not found: point at where it should be, so the first read fails loudly with that path.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// `fixtures/kube`: recorded API responses and objects from public repositories.
    public static var kube: URL { root.appendingPathComponent("fixtures/kube") }
    /// `fixtures/kube/real-apiserver`: traffic recorded from a real kube-apiserver v1.36.
    public static var realAPIServer: URL { kube.appendingPathComponent("real-apiserver") }
    public static var schemas: URL { root.appendingPathComponent("schemas") }
}
