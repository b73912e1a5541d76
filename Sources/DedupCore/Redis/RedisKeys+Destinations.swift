/// The keys of destinations and routing (docs/reference.md, "Redis layout").
///
/// A destination's stream and dead letters carry the shard's hash tag like every other key of the
/// shard, so the accept script writes the seen key and the streams of all routed destinations in
/// one single-slot call. The destination named `default` keeps the names the one stream had before
/// destinations existed, so an upgrade finds its backlog where it was.
extension RedisKeys {
    /// `prefix:{s}:stream` for `default`, `prefix:{s}:stream:DESTINATION` for any other.
    public func stream(shard: Int, destination: String) -> String {
        destination == Destination.defaultName ? stream(shard: shard) : "\(stream(shard: shard)):\(destination)"
    }

    /// `prefix:{s}:dead` for `default`, `prefix:{s}:dead:DESTINATION` for any other.
    public func dead(shard: Int, destination: String) -> String {
        destination == Destination.defaultName ? dead(shard: shard) : "\(dead(shard: shard)):\(destination)"
    }

    /// `prefix:{s}:unrouted`, a hash of source → messages that matched no route (deduplicated, then
    /// written to no stream).
    public func unrouted(shard: Int) -> String {
        "\(prefix):{\(shard)}:unrouted"
    }

    /// `prefix:{s}:rate:DESTINATION`, the destination's delivery-rate state (GCRA) shared by every
    /// deliverer; the shard is that of `DESTINATION:`.
    public func deliveryRate(shard: Int, destination: String) -> String {
        "\(prefix):{\(shard)}:rate:\(destination)"
    }
}
