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
            if readiness.isDraining {
                return JSONResponse.status(.serviceUnavailable, "draining")
            }
            guard await redis.ping(timeout: .seconds(1)) else {
                return JSONResponse.status(.serviceUnavailable, "store_unavailable")
            }
            return JSONResponse.status(.ok, "ready")
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }
}
