import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `deliver`'s optional HTTP side, on when `WD_METRICS_PORT` is set: `GET /metrics` (Prometheus text:
/// delivered, retried and dead-lettered entries by destination and source, attempt latency, backlog
/// and entries dropped as no longer this deliverer's by destination) and
/// `GET /healthz`. The deliverer reports through swift-metrics; this binds the process-wide factory
/// to a Prometheus registry and serves that registry.
enum DelivererMetricsServer {
    static func make(host: String, port: Int, logger: Logger) -> some Service {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let router = Router()
        router.get("healthz") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: logger)
    }
}
