import Foundation
public import RedisClient

/// Everything `webhook-dedup deliver` needs, resolved from flags and environment by the CLI (see the
/// env table in SPEC.md). Defaults are the documented ones; tests shrink the times so a retry or a
/// take-over happens within milliseconds.
public struct DelivererConfiguration: Sendable {
    public var redis: RedisConfiguration
    /// `WD_KEY_PREFIX`: the streams are `PREFIX:{shard}:stream`, dead letters `PREFIX:{shard}:dead`.
    public var keyPrefix: String
    /// `WD_SHARDS`: one stream per shard, all read by every deliverer.
    public var shards: Int
    /// `WD_DOWNSTREAM_URL`.
    public var downstream: DownstreamTarget
    /// `WD_GROUP`: the consumer group every deliverer of one downstream shares.
    public var group: String
    /// `WD_CONSUMER`: this deliverer's name in the group; pending entries are recorded under it.
    public var consumer: String
    /// `WD_CONCURRENCY`: attempts in flight at once.
    public var concurrency: Int
    /// `WD_MAX_ATTEMPTS`: after this many failed attempts an entry moves to dead letters.
    public var maxAttempts: Int
    /// `WD_RETRY_BASE_MS`: the shortest wait before a retry, and the unit the backoff doubles.
    public var retryBase: Duration
    /// `WD_RETRY_MAX_MS`: the longest wait before a retry.
    public var retryMax: Duration
    /// `WD_DELIVERY_TIMEOUT_MS`: bound on one attempt (connect, send, answer).
    public var deliveryTimeout: Duration
    /// `WD_CLAIM_IDLE_MS`: an entry nobody has touched for this long belongs to a dead or stuck
    /// deliverer and is taken over. Live deliverers touch what they hold well within it.
    public var claimIdle: Duration
    /// How long one `XREADGROUP` waits for new entries; it bounds how late a shutdown notices.
    public var readBlock: Duration
    /// Entries read but not yet finished (queued plus in flight). Reading ahead keeps attempts busy
    /// while the next batch is fetched; the bound keeps memory flat and leaves the rest of the
    /// backlog in Redis for other deliverers.
    public var readAhead: Int
    /// Entries waiting for a retry that one deliverer keeps. Past it, it stops reading new entries
    /// (the stream is the buffer while the downstream is failing).
    public var maxWaitingRetries: Int

    public init(
        redis: RedisConfiguration,
        downstream: DownstreamTarget,
        keyPrefix: String = "wd",
        shards: Int = 1,
        group: String = "deliverers",
        consumer: String = DelivererConfiguration.defaultConsumerName(),
        concurrency: Int = 16,
        maxAttempts: Int = 10,
        retryBase: Duration = .milliseconds(500),
        retryMax: Duration = .seconds(60),
        deliveryTimeout: Duration = .seconds(10),
        claimIdle: Duration = .seconds(30),
        readBlock: Duration = .seconds(1),
        readAhead: Int? = nil,
        maxWaitingRetries: Int = 10_000
    ) {
        self.redis = redis
        self.downstream = downstream
        self.keyPrefix = keyPrefix
        self.shards = shards
        self.group = group
        self.consumer = consumer
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        self.retryBase = retryBase
        self.retryMax = retryMax
        self.deliveryTimeout = deliveryTimeout
        self.claimIdle = claimIdle
        self.readBlock = readBlock
        self.readAhead = readAhead ?? max(64, concurrency * 4)
        self.maxWaitingRetries = maxWaitingRetries
    }

    /// `hostname-pid`: unique per process, readable in `stats`.
    public static func defaultConsumerName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// How long a graceful shutdown waits for attempts in flight before cancelling them: one attempt's
    /// timeout plus a second for its acknowledgement.
    var drainTimeout: Duration { deliveryTimeout + .seconds(1) }

    /// How often held entries are touched and idle ones of other consumers looked for: a third of the
    /// claim time, so a live deliverer's entries never look idle, and at most every 5 s.
    var sweepInterval: Duration {
        min(max(claimIdle / 3, .milliseconds(10)), .seconds(5))
    }
}
