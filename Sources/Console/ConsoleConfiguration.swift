import DedupCore
import Foundation

/// Everything `webhook-dedup console` is configured with (docs/reference.md, "console").
public struct ConsoleConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8090
    /// The admin token: required when ``host`` is not a loopback address, optional otherwise.
    public var token: String?
    public var keyPrefix: String = "wd"
    public var shards: Int = 1
    public var group: String = "deliverers"
    /// The destinations whose streams and dead letters are shown (the sources file's, else `default`).
    public var destinations: [String] = [Destination.defaultName]
    /// The partition count of each ordered destination (docs/ordering.md): their partitions are shown,
    /// and a look-up searches them.
    public var orderedPartitions: [String: Int] = [:]
    /// How many minutes of counters the overview covers (the chart's width).
    public var windowMinutes: Int = 180
    /// Bound on each Redis round trip of one API call.
    public var redisTimeout: Duration = .seconds(5)

    public init() {}

    /// True for the addresses only this machine can reach: a console bound there may run without a
    /// token, as anyone who can reach it can already run redis-cli.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered.hasPrefix("127.")
    }

    /// Refuses a configuration that would publish the console without a token.
    public func validate() throws(ConsoleConfigurationError) {
        if token == nil && !Self.isLoopback(host) {
            throw ConsoleConfigurationError(
                "WD_CONSOLE_TOKEN (--token) is required when WD_CONSOLE_HOST (--host) \"\(host)\" is not a loopback address")
        }
        if let token, token.utf8.count < 16 {
            throw ConsoleConfigurationError("WD_CONSOLE_TOKEN (--token) must be at least 16 characters")
        }
    }
}

/// A console setting that stops start-up, named in its message.
public struct ConsoleConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
