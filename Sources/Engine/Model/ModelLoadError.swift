/// Why a model file or directory could not be used, naming the file. Every loader throws this, so
/// a truncated download, an unsupported tensor type and an unknown architecture all read the same.
public struct ModelLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
