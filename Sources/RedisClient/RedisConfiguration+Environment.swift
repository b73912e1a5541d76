import Foundation

extension RedisConfiguration {
    /// `url`, plus for `rediss://` the TLS settings of `environment`: `WD_REDIS_TLS_CA`,
    /// `WD_REDIS_TLS_CERT`, `WD_REDIS_TLS_KEY`, `WD_REDIS_TLS_SERVER_NAME`; behind sentinels,
    /// `WD_SENTINEL_PASSWORD`. For programs and tests
    /// that take their settings from the environment alone; the command line has flags for each.
    public init(url: String, environment: [String: String]) throws(RedisConfigurationError) {
        try self.init(url: url)
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        sentinel?.password = value("WD_SENTINEL_PASSWORD")
        guard tls != nil else { return }
        tls = TLS(
            caFile: value("WD_REDIS_TLS_CA"), certificateFile: value("WD_REDIS_TLS_CERT"), keyFile: value("WD_REDIS_TLS_KEY"),
            serverName: value("WD_REDIS_TLS_SERVER_NAME"))
    }
}
