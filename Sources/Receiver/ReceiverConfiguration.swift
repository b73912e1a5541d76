public import DedupCore
import Foundation

/// Everything `webhook-dedup receive` is configured with; see the settings table in docs/reference.md.
public struct ReceiverConfiguration: Sendable {
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    /// Seconds a key is remembered: the dedup window.
    public var dedupTTL: Int = 86_400
    public var maxBodyBytes: Int = 10_485_760
    public var keyPrefix: String = "wd"
    public var shards: Int = 1
    public var sources: SourcesConfig = SourcesConfig()
    /// After SIGTERM, /readyz answers 503 this long while requests are still served.
    public var drainTime: Duration = .seconds(5)
    /// Bound on one Redis round trip on the request path; past it the answer is 503.
    public var redisTimeout: Duration = .seconds(2)
    /// `WD_MIN_REPLICAS`: when ≥ 1, `accepted` is answered only after Redis's `WAIT` confirms the
    /// write reached this many replicas within ``redisTimeout``; otherwise 503, and the sender retries.
    public var minReplicas: Int = 0
    /// A connection that sends nothing for this long is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// Connections the kernel queues while the receiver has not accepted them yet (`listen(2)`'s
    /// backlog, capped by `net.core.somaxconn`). A connect arriving at a full queue has its SYN
    /// dropped and the client waits 1 s to resend it, so this must be at least the connections a
    /// load balancer can open at once: HAProxy's per-server `maxconn` in deploy/haproxy.cfg.
    public var listenBacklog: Int = 256
    /// Written into seen records and stream entries (`by`, `receiver`), so operators can tell which
    /// receiver took a message.
    public var receiverName: String = ReceiverConfiguration.defaultName

    public init() {}

    /// `hostname-pid`, unique per process even with several receivers on one host.
    public static var defaultName: String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
