import ArgumentParser
import Foundation

/// Resolves one setting: the flag if given, else the environment variable, else the default.
/// A value that does not parse stops start-up with one line naming the flag and the variable.
struct Setting {
    let flag: String
    let env: String

    init(_ flag: String, env: String) {
        self.flag = flag
        self.env = env
    }

    func string(_ value: String?, default defaultValue: String) -> String {
        value ?? environment ?? defaultValue
    }

    func optionalString(_ value: String?) -> String? {
        value ?? environment
    }

    func int(_ value: String?, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        try optionalInt(value, range: range) ?? defaultValue
    }

    /// The number given by flag or environment, nil when neither is set.
    func optionalInt(_ value: String?, range: ClosedRange<Int>) throws -> Int? {
        guard let text = value ?? environment else { return nil }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw StartupError("\(origin(value)) \"\(text)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private var environment: String? {
        guard let value = ProcessInfo.processInfo.environment[env], !value.isEmpty else { return nil }
        return value
    }

    private func origin(_ value: String?) -> String {
        value != nil ? "--\(flag)" : "\(env) (--\(flag))"
    }
}

/// Options every subcommand that talks to Redis shares.
struct RedisOptions: ParsableArguments {
    @Option(
        name: .customLong("redis-url"), help: "Redis URL redis://[user:password@]host:port[/db] (env REDIS_URL, default redis://127.0.0.1:6379/0)")
    var redisURL: String?

    @Option(name: .customLong("key-prefix"), help: "Prefix of every Redis key (env WD_KEY_PREFIX, default wd)")
    var keyPrefix: String?

    @Option(name: .customLong("shards"), help: "Number of shards, i.e. streams (env WD_SHARDS, default 1)")
    var shards: String?

    var resolvedRedisURL: String { Setting("redis-url", env: "REDIS_URL").string(redisURL, default: "redis://127.0.0.1:6379/0") }

    func resolvedKeyPrefix() throws -> String {
        let prefix = Setting("key-prefix", env: "WD_KEY_PREFIX").string(keyPrefix, default: "wd")
        guard !prefix.isEmpty, !prefix.contains(where: { $0 == "{" || $0 == "}" || $0.isWhitespace }) else {
            throw StartupError("WD_KEY_PREFIX (--key-prefix) \"\(prefix)\" must be non-empty without braces or spaces")
        }
        return prefix
    }

    func resolvedShards() throws -> Int {
        try Setting("shards", env: "WD_SHARDS").int(shards, default: 1, range: 1...1024)
    }
}

/// A setting that stops start-up. Printed as one line naming the setting; the process exits 2.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` to build a configuration; any error becomes one line on stderr and exit status 2.
func startupConfiguration<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        FileHandle.standardError.write(Data("webhook-dedup: configuration error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}
