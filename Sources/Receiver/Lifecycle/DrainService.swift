public import Logging
public import ServiceLifecycle

/// Delays the HTTP server's shutdown so a rolling restart loses no request.
///
/// Placed after the application in the `ServiceGroup`, it is the first to hear of a graceful shutdown
/// (services stop in reverse order): it turns /readyz to 503 and waits `drainTime` while the server
/// still answers, giving the load balancer's health checks time to take this receiver out. Then it
/// returns and the server stops accepting, finishing the requests it has.
public struct DrainService: Service {
    let readiness: Readiness
    let drainTime: Duration
    let logger: Logger

    public init(readiness: Readiness, drainTime: Duration, logger: Logger) {
        self.readiness = readiness
        self.drainTime = drainTime
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        readiness.startDraining()
        logger.info("draining: /readyz answers 503", metadata: ["drain_seconds": "\(drainTime.components.seconds)"])
        try? await Task.sleep(for: drainTime)
        logger.info("drain over; stopping the HTTP server")
    }
}
