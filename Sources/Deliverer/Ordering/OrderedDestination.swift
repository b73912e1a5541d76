/// What ordered delivery needs to know about one destination with `order_by`.
struct OrderedDestination: Sendable {
    var name: String
    /// Ordered lanes; each is delivered by one deliverer at a time.
    var partitions: Int
    /// `WD_SHARDS`: partition `p` lives in shard `p % shards`.
    var shards: Int
    /// When a failed attempt is retried, and after how long: the same rules as unordered delivery.
    var retry: RetryPolicy
    var deliveryTimeout: Duration
    /// Attempts in flight at once in this deliverer, over all the partitions it holds.
    var concurrency: Int
    /// How long a partition stays with a deliverer that stopped renewing it (`WD_CLAIM_IDLE_MS`, the
    /// same "a stalled deliverer's work moves on" time as take-over of unordered entries).
    var leaseTTL: Duration
}
