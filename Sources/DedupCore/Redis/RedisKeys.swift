/// Names of every Redis key webhook-dedup uses (docs/reference.md, "Redis layout").
///
/// Each key carries its shard in braces, a Redis Cluster hash tag, so a seen key, its stream and
/// its rate-limit bucket land in one slot and the accept script may touch them in one atomic call.
public struct RedisKeys: Sendable, Equatable {
    public var prefix: String

    public init(prefix: String = "wd") {
        self.prefix = prefix
    }

    /// `prefix:{s}:seen:SOURCE:KEY`, a string with TTL = the dedup window.
    public func seen(shard: Int, source: String, key: String) -> String {
        "\(prefix):{\(shard)}:seen:\(source):\(key)"
    }

    /// `prefix:{s}:stream`, one entry per accepted message.
    public func stream(shard: Int) -> String {
        "\(prefix):{\(shard)}:stream"
    }

    /// `prefix:{s}:dead`, entries that exhausted their delivery attempts.
    public func dead(shard: Int) -> String {
        "\(prefix):{\(shard)}:dead"
    }

    /// `prefix:{s}:stats:SOURCE:`: the accept script appends the minute (`YYYYMMDDHHMM`, UTC, from
    /// Redis's clock) to name the hash that counts that source's messages in that minute.
    public func statsPrefix(shard: Int, source: String) -> String {
        "\(prefix):{\(shard)}:stats:\(source):"
    }

    /// `prefix:{s}:stats:SOURCE:YYYYMMDDHHMM`, one minute's counters of a source (TTL 48 h).
    public func stats(shard: Int, source: String, minute: String) -> String {
        statsPrefix(shard: shard, source: source) + minute
    }

    /// `prefix:{s}:stats:sources`, a sorted set of the sources counted on this shard, scored by the
    /// unix time of their latest counted minute, so the counters are found without scanning keys.
    public func statsSources(shard: Int) -> String {
        "\(prefix):{\(shard)}:stats:sources"
    }

    /// `prefix:{s}:ratelimit:SOURCE`, the source's token bucket.
    public func ratelimit(shard: Int, source: String) -> String {
        "\(prefix):{\(shard)}:ratelimit:\(source)"
    }
}
