/// A sources file that cannot be used; the CLI prints `description` as its one start-up line.
///
/// Messages name the file, the source and the field (`sources file /x.yaml: source "evo": key[1]
/// "data/id" is not a JSON pointer (must start with /)`) and never contain secret values.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
