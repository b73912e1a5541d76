import DedupCore
public import RedisClient

/// The per-minute counters the accept script keeps in Redis (`PREFIX:{s}:stats:SOURCE:YYYYMMDDHHMM`),
/// summed over shards: one truth for every receiver, without Prometheus. The console's chart and
/// `webhook-dedup stats` read them here.
public struct MinuteCounters: Sendable, Codable, Equatable {
    public struct Minute: Sendable, Codable, Equatable {
        /// `YYYYMMDDHHMM`, UTC.
        public var minute: String
        public var accepted: Int
        public var duplicate: Int
    }

    public struct Source: Sendable, Codable, Equatable {
        public var source: String
        public var accepted: Int
        public var duplicate: Int
        public var duplicateRatio: Double
        /// Duplicates by Evolution `entryPointConversionSource`.
        public var duplicatesByEntryPoint: [String: Int]
        /// One element per minute of the window, oldest first, zeros included.
        public var minutes: [Minute]

        enum CodingKeys: String, CodingKey {
            case source, accepted, duplicate, minutes
            case duplicateRatio = "duplicate_ratio"
            case duplicatesByEntryPoint = "duplicates_by_entry_point"
        }
    }

    /// A receiver that counted messages in the window.
    public struct Receiver: Sendable, Codable, Equatable {
        public var name: String
        public var messages: Int
        /// The last minute it counted a message in.
        public var lastMinute: String

        enum CodingKeys: String, CodingKey {
            case name, messages
            case lastMinute = "last_minute"
        }
    }

    public struct Totals: Sendable, Codable, Equatable {
        public var accepted: Int
        public var duplicate: Int
        public var duplicateRatio: Double

        enum CodingKeys: String, CodingKey {
            case accepted, duplicate
            case duplicateRatio = "duplicate_ratio"
        }
    }

    /// The first and last minute of the window, `YYYYMMDDHHMM`.
    public var from: String
    public var to: String
    public var sources: [Source]
    public var receivers: [Receiver]
    public var totals: Totals

    /// Sources read per shard at most: names come from requests, and the window must stay one
    /// bounded read whatever a client invents.
    static let sourceLimit = 200
    static let pipelineLimit = 2000

    /// The last `minutes` minutes up to Redis's current minute, one pipeline per shard. Reads only:
    /// `stats` and a `/metrics` scrape may run as users without write rights (``CountedSourcesTrim``
    /// keeps the index short).
    public static func read(
        redis: RedisClient, keyPrefix: String, shards: Int, minutes: Int, nowMs: Int64, timeout: Duration? = nil
    ) async throws(RedisError) -> MinuteCounters {
        let keys = RedisKeys(prefix: keyPrefix)
        let now = nowMs / 1000
        let labels = (0..<minutes).map { RedisClock.minuteLabel(unixSeconds: now - Int64(minutes - 1 - $0) * 60) }
        var sums: [String: [String: [String: Int]]] = [:]  // source -> minute -> field -> count
        for shard in 0..<shards {
            let index = keys.statsSources(shard: shard)
            let found = try await redis.send(
                RedisCommand(
                    "ZREVRANGEBYSCORE", .init(index), "+inf", .init(String(now - Int64(minutes) * 60 - 60)), "LIMIT", "0",
                    .init(sourceLimit)), timeout: timeout)
            let sources = try found.throwingServerError().array?.compactMap(\.string) ?? []
            guard !sources.isEmpty else { continue }
            var commands: [RedisCommand] = []
            for source in sources {
                for label in labels { commands.append(RedisCommand("HGETALL", .init(keys.stats(shard: shard, source: source, minute: label)))) }
            }
            // In pipelines of at most `pipelineLimit` commands: 48 hours of 200 sources is 576,000.
            var replies: [RESPValue] = []
            replies.reserveCapacity(commands.count)
            for start in stride(from: 0, to: commands.count, by: pipelineLimit) {
                replies += try await redis.pipeline(Array(commands[start..<min(start + pipelineLimit, commands.count)]), timeout: timeout)
            }
            for (sourceIndex, source) in sources.enumerated() {
                for (labelIndex, label) in labels.enumerated() {
                    let flat = try replies[sourceIndex * labels.count + labelIndex].throwingServerError().array ?? []
                    var index = 0
                    while index + 1 < flat.count {
                        if let field = flat[index].string, let value = flat[index + 1].string.flatMap({ Int($0) }) {
                            sums[source, default: [:]][label, default: [:]][field, default: 0] += value
                        }
                        index += 2
                    }
                }
            }
        }
        return summarize(sums, labels: labels)
    }

    static func summarize(_ sums: [String: [String: [String: Int]]], labels: [String]) -> MinuteCounters {
        var sources: [Source] = []
        var receivers: [String: Receiver] = [:]
        for (source, byMinute) in sums {
            var entryPoints: [String: Int] = [:]
            let minutes = labels.map { label in
                let fields = byMinute[label] ?? [:]
                for (field, value) in fields {
                    if field.hasPrefix("dup_ep:") { entryPoints[String(field.dropFirst("dup_ep:".count)), default: 0] += value }
                    if field.hasPrefix("rcv:") {
                        let name = String(field.dropFirst("rcv:".count))
                        var receiver = receivers[name] ?? Receiver(name: name, messages: 0, lastMinute: label)
                        receiver.messages += value
                        receiver.lastMinute = max(receiver.lastMinute, label)
                        receivers[name] = receiver
                    }
                }
                return Minute(minute: label, accepted: fields["accepted"] ?? 0, duplicate: fields["duplicate"] ?? 0)
            }
            let accepted = minutes.reduce(0) { $0 + $1.accepted }
            let duplicate = minutes.reduce(0) { $0 + $1.duplicate }
            sources.append(
                Source(
                    source: source, accepted: accepted, duplicate: duplicate, duplicateRatio: ratio(duplicate, of: accepted + duplicate),
                    duplicatesByEntryPoint: entryPoints, minutes: minutes))
        }
        sources.sort { $0.source < $1.source }
        let accepted = sources.reduce(0) { $0 + $1.accepted }
        let duplicate = sources.reduce(0) { $0 + $1.duplicate }
        return MinuteCounters(
            from: labels.first ?? "", to: labels.last ?? "", sources: sources,
            receivers: receivers.values.sorted { $0.name < $1.name },
            totals: Totals(accepted: accepted, duplicate: duplicate, duplicateRatio: ratio(duplicate, of: accepted + duplicate)))
    }

    private static func ratio(_ part: Int, of whole: Int) -> Double {
        whole == 0 ? 0 : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
    }
}
