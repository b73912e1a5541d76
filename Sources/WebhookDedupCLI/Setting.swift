import ArgumentParser
import Foundation
import RedisClient

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
        name: .customLong("redis-url"),
        help:
            "Redis URL redis://[user:password@]host:port[/db], rediss:// for TLS, redis+sentinel://h1:26379,h2:26379/PRIMARY[/db] (env REDIS_URL, default redis://127.0.0.1:6379/0)"
    )
    var redisURL: String?

    @Option(name: .customLong("redis-tls-ca"), help: "rediss://: PEM file of the CAs to trust (env WD_REDIS_TLS_CA, default the system's)")
    var tlsCA: String?

    @Option(name: .customLong("redis-tls-cert"), help: "rediss://: PEM client certificate (env WD_REDIS_TLS_CERT)")
    var tlsCertificate: String?

    @Option(name: .customLong("redis-tls-key"), help: "rediss://: PEM key of the client certificate (env WD_REDIS_TLS_KEY)")
    var tlsKey: String?

    @Option(name: .customLong("sentinel-password"), help: "redis+sentinel://: AUTH for the sentinels themselves (env WD_SENTINEL_PASSWORD)")
    var sentinelPassword: String?

    @Option(
        name: .customLong("redis-tls-server-name"), help: "rediss://: name sent as SNI and verified (env WD_REDIS_TLS_SERVER_NAME, default the host)")
    var tlsServerName: String?

    @Option(name: .customLong("key-prefix"), help: "Prefix of every Redis key (env WD_KEY_PREFIX, default wd)")
    var keyPrefix: String?

    @Option(name: .customLong("shards"), help: "Number of shards, i.e. streams (env WD_SHARDS, default 1)")
    var shards: String?

    var resolvedRedisURL: String { Setting("redis-url", env: "REDIS_URL").string(redisURL, default: "redis://127.0.0.1:6379/0") }

    /// The URL plus the TLS settings. TLS files are loaded here, so a missing or unreadable one
    /// stops start-up instead of failing every connection later; TLS settings without `rediss://`
    /// are refused rather than ignored.
    func resolvedRedisConfiguration() throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: resolvedRedisURL)
        let sentinelPassword = Setting("sentinel-password", env: "WD_SENTINEL_PASSWORD").optionalString(sentinelPassword)
        if configuration.sentinel != nil {
            configuration.sentinel?.password = sentinelPassword
        } else if sentinelPassword != nil {
            throw StartupError("WD_SENTINEL_PASSWORD needs a redis+sentinel:// REDIS_URL")
        }
        let tls = RedisConfiguration.TLS(
            caFile: Setting("redis-tls-ca", env: "WD_REDIS_TLS_CA").optionalString(tlsCA),
            certificateFile: Setting("redis-tls-cert", env: "WD_REDIS_TLS_CERT").optionalString(tlsCertificate),
            keyFile: Setting("redis-tls-key", env: "WD_REDIS_TLS_KEY").optionalString(tlsKey),
            serverName: Setting("redis-tls-server-name", env: "WD_REDIS_TLS_SERVER_NAME").optionalString(tlsServerName))
        guard configuration.tls != nil else {
            if tls != RedisConfiguration.TLS() {
                throw StartupError("WD_REDIS_TLS_* settings need a rediss:// REDIS_URL")
            }
            return configuration
        }
        try tls.validate()
        configuration.tls = tls
        return configuration
    }

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
