/// Where accepted messages go: one entry of the sources file's `destinations:` section.
///
/// Every setting left out falls back to the deliverer's own (`WD_CONCURRENCY`, `WD_MAX_ATTEMPTS`,
/// ...), so a file only says what makes a destination different. Each destination has its own
/// streams, consumer group, retries and dead letters in Redis, so a slow or failing one never holds
/// up the others (docs/delivery.md, "Destinations").
public struct Destination: Sendable, Equatable {
    /// The destination every source routes to when the sources file has no `destinations:` section:
    /// `WD_DOWNSTREAM_URL`. Its streams keep the names they had before destinations existed.
    public static let defaultName = "default"

    /// Statuses that make a message a dead letter after one attempt unless `final_statuses` says
    /// otherwise: answers that say the request itself is wrong, so repeating it cannot help.
    public static let defaultFinalStatuses: Set<Int> = [400, 401, 403, 404, 410, 422]

    /// 1-64 of `A-Za-z0-9._-`, so it can be a Redis key part and a metric label as it is.
    public var name: String
    /// `http://` or `https://`.
    public var url: String
    /// Added to every request, after the sender's forwarded headers (replacing any of the same name).
    public var headers: [DestinationHeader]
    public var timeoutMs: Int?
    public var maxAttempts: Int?
    public var retryBaseMs: Int?
    public var retryMaxMs: Int?
    public var concurrency: Int?
    /// Requests per second with a burst, shared by every deliverer through Redis.
    public var rate: RateLimitRule?
    public var finalStatuses: Set<Int>?
    /// `order_by`: what makes messages one conversation, delivered one at a time in accept order
    /// (docs/ordering.md). Nil with `partitions` set: the source profile's default.
    public var orderBy: OrderBy?
    /// `partitions`: the ordered lanes. Nil with `order_by` set: ``defaultPartitions``.
    public var partitions: Int?

    /// Lanes of an ordered destination that does not say: enough for 16 attempts at once on each of
    /// 2 deliverers with room to spare (docs/ordering.md, "choosing partitions").
    public static let defaultPartitions = 64

    /// Whether messages to this destination are delivered in order per conversation.
    public var isOrdered: Bool { orderBy != nil || partitions != nil }

    /// The partition count when ordered.
    public var orderedPartitions: Int? { isOrdered ? partitions ?? Self.defaultPartitions : nil }

    public init(
        name: String, url: String, headers: [DestinationHeader] = [], timeoutMs: Int? = nil, maxAttempts: Int? = nil,
        retryBaseMs: Int? = nil, retryMaxMs: Int? = nil, concurrency: Int? = nil, rate: RateLimitRule? = nil,
        finalStatuses: Set<Int>? = nil, orderBy: OrderBy? = nil, partitions: Int? = nil
    ) {
        self.name = name
        self.url = url
        self.headers = headers
        self.timeoutMs = timeoutMs
        self.maxAttempts = maxAttempts
        self.retryBaseMs = retryBaseMs
        self.retryMaxMs = retryMaxMs
        self.concurrency = concurrency
        self.rate = rate
        self.finalStatuses = finalStatuses
        self.orderBy = orderBy
        self.partitions = partitions
    }

    /// Destination names follow the source-name rule: readable in a Redis key and a metric label.
    public static func isValidName(_ name: String) -> Bool {
        SourceName.isValid(name)
    }
}

/// One extra request header of a destination. The value is a ``Secret`` whether it came from the
/// file, the environment or a secret file, so it never reaches a log.
public struct DestinationHeader: Sendable, Equatable {
    public var name: String
    public var value: Secret

    public init(name: String, value: Secret) {
        self.name = name
        self.value = value
    }
}

extension Secret {
    /// The secret as header text, for the one place that sends it.
    public var revealedText: String {
        String(decoding: bytes, as: UTF8.self)
    }
}
