import Foundation

// This directory is kvdeck's `manifests/`: the templates under templates/ (see README.md). SwiftPM
// copies templates/ into a resource bundle beside the binary; a target needs one source file, this one.

/// Where the built-in templates are at run time.
public enum DeployTemplatesBundle {
    /// Beside the executable (as SwiftPM installs resources), else this source folder in a checkout.
    /// Not `Bundle.module`: it traps when the bundle is missing.
    public static var directory: URL {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            candidates.append(executable.appendingPathComponent("kvdeck_DeployTemplates.resources/templates"))
            candidates.append(executable.appendingPathComponent("kvdeck_DeployTemplates.bundle/Contents/Resources/templates"))
            candidates.append(executable.appendingPathComponent("kvdeck_DeployTemplates.bundle/templates"))
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("templates")
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? source
    }

    /// The templates in this checkout (tests read these, not a copy).
    public static var sourceDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("templates")
    }
}
