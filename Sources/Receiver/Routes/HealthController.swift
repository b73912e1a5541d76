import HTTPTypes
import Hummingbird
import Prometheus
import RedisClient

/// `/healthz` (the process serves) and `/readyz` (Redis answers PING within 1 s and not draining),
/// for load balancer health checks and orchestrators.
struct HealthController<Context: RequestContext>: Sendable {
    let redis: RedisClient
    let readiness: Readiness
    let metrics: ReceiverMetrics

    func addRoutes(to router: Router<Context>) {
        router.get("healthz") { _, _ in
            JSONResponse.status(.ok, "ok")
        }
        router.get("readyz") { _, _ in
            if let reason = await notReadyReason() {
                return JSONResponse.status(.serviceUnavailable, reason)
            }
            return JSONResponse.status(.ok, "ready")
        }
        router.get("metrics") { _, _ in
            // Readiness as of this scrape, so an alert can tell "up but not ready" from "up".
            metrics.recordReadiness(await notReadyReason() == nil)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }

    /// Why `/readyz` would answer 503 (draining, or Redis not answering PING within 1 s); nil when ready.
    private func notReadyReason() async -> String? {
        if readiness.isDraining { return "draining" }
        guard await redis.ping(timeout: .seconds(1)) else { return "store_unavailable" }
        return nil
    }
}
