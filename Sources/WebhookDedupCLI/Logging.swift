import Foundation
import Logging

/// Logs go to stderr (stdout carries data: `deliver` with `WD_DOWNSTREAM_URL=-`, `stats`, `dead-letters`).
/// `LOG_LEVEL` (trace, debug, info, notice, warning, error, critical) sets the level; default info.
func makeLogger(label: String) -> Logger {
    LoggingBootstrap.once
    var logger = Logger(label: label)
    let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
    logger.logLevel = level ?? .info
    return logger
}

private enum LoggingBootstrap {
    static let once: Void = LoggingSystem.bootstrap(StreamLogHandler.standardError)
}
