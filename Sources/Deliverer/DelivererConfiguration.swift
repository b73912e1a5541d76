public import DedupCore
import Foundation
public import RedisClient

/// Everything `webhook-dedup deliver` needs, resolved from flags and environment by the CLI (see the
/// settings table in docs/reference.md). Defaults are the documented ones; tests shrink the times so a retry or a
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
    /// deliverer and is taken over. Live deliverers touch what they hold well within it; ``validate()``
    /// refuses a claim time they could not keep.
    public var claimIdle: Duration
    /// How long one `XREADGROUP` waits for new entries; it bounds how late a shutdown notices.
    public var readBlock: Duration
    /// Entries read but not yet finished (queued plus in flight). Reading ahead keeps attempts busy
    /// while the next batch is fetched; the bound keeps memory flat and leaves the rest of the
    /// backlog in Redis for other deliverers. A read asks each shard for an equal share of the free
    /// read-ahead, so it is at least twice the shards: every shard gets at least one per read.
    public var readAhead: Int
    /// Entries waiting for a retry that one deliverer keeps. Past it, it stops reading new entries
    /// (the stream is the buffer while the downstream is failing).
    public var maxWaitingRetries: Int
    /// The destination this configuration delivers to: `default` (``downstream``) unless
    /// ``destinationConfigurations()`` made it one of the sources file's destinations.
    public var destination: String = Destination.defaultName
    /// Headers the destination adds to every request (secrets; never logged).
    public var headers: [DestinationHeader] = []
    /// The destination's delivery rate, shared by every deliverer through Redis; nil: unlimited.
    public var rate: RateLimitRule?
    /// Statuses that make an entry a dead letter after one attempt (`WD_FINAL_STATUSES`).
    public var finalStatuses: Set<Int> = Destination.defaultFinalStatuses
    /// The sources file's `destinations:`; empty means the one destination `default` at ``downstream``.
    public var destinations: [Destination] = []
    /// `--destination` (`WD_DESTINATIONS`): the destinations this deliverer serves; empty means all.
    public var selectedDestinations: [String] = []
    /// The destination's partition count when it is ordered (`order_by`); nil: unordered.
    public var partitions: Int?

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
        self.readAhead = max(readAhead ?? max(64, concurrency * 4), 2 * shards)
        self.maxWaitingRetries = maxWaitingRetries
    }

    /// One configuration per destination this deliverer serves, each with the destination's own
    /// settings over the deliverer's: without a `destinations:` section, this one as `default`.
    /// Throws when `--destination` names a destination that does not exist.
    public func destinationConfigurations() throws(DelivererConfigurationError) -> [DelivererConfiguration] {
        let known = destinations.isEmpty ? [Destination.defaultName] : destinations.map(\.name)
        if let unknown = selectedDestinations.first(where: { !known.contains($0) }) {
            throw DelivererConfigurationError("no destination \"\(unknown)\" (known: \(known.joined(separator: ", ")))")
        }
        let wanted = selectedDestinations.isEmpty ? known : known.filter(selectedDestinations.contains)
        if destinations.isEmpty { return [self] }
        return destinations.filter { wanted.contains($0.name) }.map(serving)
    }

    /// This configuration with `destination`'s settings where it has them.
    func serving(_ destination: Destination) -> DelivererConfiguration {
        var copy = self
        copy.destination = destination.name
        // Validated as http(s) when the sources file loaded.
        if let url = URL(string: destination.url) { copy.downstream = .http(url) }
        copy.headers = destination.headers
        copy.rate = destination.rate
        copy.finalStatuses = destination.finalStatuses ?? finalStatuses
        copy.concurrency = destination.concurrency ?? concurrency
        copy.maxAttempts = destination.maxAttempts ?? maxAttempts
        copy.retryBase = destination.retryBaseMs.map { .milliseconds($0) } ?? retryBase
        copy.retryMax = max(destination.retryMaxMs.map { .milliseconds($0) } ?? retryMax, copy.retryBase)
        copy.deliveryTimeout = destination.timeoutMs.map { .milliseconds($0) } ?? deliveryTimeout
        copy.readAhead = max(readAhead, copy.concurrency * 4, 2 * shards)
        copy.partitions = destination.orderedPartitions
        return copy
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

    /// What a live deliverer may need beyond two sweep intervals to touch an entry again: the tick
    /// that starts a due sweep (at most 100 ms), the sweep still running before it, and the touch's own
    /// round trip to Redis. Generous for a healthy Redis on the same network.
    static let touchAllowance = Duration.milliseconds(250)

    /// The longest a live deliverer leaves an entry it holds untouched, whatever the entry's state
    /// (queued, in flight, delivered and awaiting acknowledgement, waiting for a retry; also while
    /// draining at shutdown). A sweep touches every entry last touched a sweep interval or more before
    /// it starts, and the next sweep starts a sweep interval after the previous one ended. An entry
    /// touched just after one sweep started is therefore touched by the one after: within two
    /// intervals, plus the allowance for the sweep in between and the touch itself.
    var longestTouchGap: Duration { sweepInterval * 2 + Self.touchAllowance }

    /// Refuses settings under which live deliverers would take over each other's entries: the claim
    /// time must cover ``longestTouchGap``. With the sweep interval a third of the claim time (below
    /// 15 s), that is claim time ≥ 3 × 250 ms = 750 ms; from 15 s on the 5 s cap on the interval
    /// keeps the gap at 10.25 s, well within.
    public func validate() throws(DelivererConfigurationError) {
        guard claimIdle >= longestTouchGap else {
            throw DelivererConfigurationError(
                "claim time \(claimIdle.milliseconds) ms is shorter than the longest a live deliverer may leave an entry "
                    + "untouched (2 × its sweep interval of \(sweepInterval.milliseconds) ms + \(Self.touchAllowance.milliseconds) ms), "
                    + "so deliverers would take over each other's entries while they are being delivered; use at least "
                    + "\((Self.touchAllowance * 3).milliseconds)")
        }
        // An ordered destination's partitions are leased for the claim time, and an attempt is sent
        // only while the lease outlasts the attempt's timeout (docs/ordering.md).
        for destination in destinations where destination.isOrdered {
            let timeout = destination.timeoutMs.map { Duration.milliseconds($0) } ?? deliveryTimeout
            guard claimIdle >= timeout + .seconds(1) else {
                throw DelivererConfigurationError(
                    "destination \"\(destination.name)\" is ordered: its partition leases last the claim time (\(claimIdle.milliseconds) ms), "
                        + "which must outlast an attempt's timeout (\(timeout.milliseconds) ms) by at least 1 s, or no attempt could be sent under one"
                )
            }
        }
    }
}

/// A deliverer setting that cannot work; the CLI names the variable and stops.
public struct DelivererConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
