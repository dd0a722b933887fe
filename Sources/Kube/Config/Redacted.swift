import Foundation

/// A secret (token, password, private key, auth-provider config) that prints as `<redacted>`.
///
/// Wrapping the value, rather than remembering to leave it out of every description, means a
/// struct that holds one can be printed, dumped or interpolated into an error and still never
/// shows the secret: `description`, `debugDescription` and the reflection mirror all hide it.
public struct Redacted<Value: Sendable & Equatable>: Sendable, Equatable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The secret itself; read it only where it is sent.
    public var value: Value

    public init(_ value: Value) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
