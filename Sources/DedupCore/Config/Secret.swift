/// Key material for authentication, resolved when the sources file loads.
///
/// It prints as `<redacted>` through every path Swift offers (`description`, `debugDescription`,
/// `dump`/reflection), so a config or error that embeds it can be logged without leaking it.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    public init(_ value: String) {
        bytes = Array(value.utf8)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
