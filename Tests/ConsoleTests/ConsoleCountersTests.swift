import Console
import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// The per-minute counters the accept script keeps agree with what the receivers themselves count.
@Suite(.enabled(if: ConsoleTest.redisAvailable, ConsoleTest.skipReason))
struct ConsoleCountersTests {
    /// An Evolution upsert with its own message id, from the example in examples/.
    static func evolutionBody(id: String, entryPoint: String) throws -> ByteBuffer {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/evolution-v2-messages-upsert.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var data = try #require(object["data"] as? [String: Any])
        var key = try #require(data["key"] as? [String: Any])
        key["id"] = id
        data["key"] = key
        var context = try #require(data["contextInfo"] as? [String: Any])
        context["entryPointConversionSource"] = entryPoint
        data["contextInfo"] = context
        object["data"] = data
        return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    /// Sums the samples of one metric whose labels contain `filter`, from Prometheus text.
    static func sum(_ metrics: String, _ name: String, _ filter: String) -> Int {
        metrics.split(separator: "\n").filter { $0.hasPrefix(name + "{") && $0.contains(filter) }.reduce(0) { total, line in
            total + (line.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) } ?? 0)
        }
    }

    /// Receiver `n` as `webhook-dedup receive` builds it, on two shards.
    static func receiver(_ n: Int, prefix: String, redis: RedisClient) -> some ApplicationProtocol {
        var configuration = ReceiverConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.keyPrefix = prefix
        configuration.shards = 2
        configuration.receiverName = "receiver-\(n)"
        configuration.dedupTTL = 600
        return buildReceiverApplication(configuration: configuration, redis: redis, logger: ConsoleTest.logger)
    }

    @Test func aBurstOverThreeReceiversIsCountedOnceEachInRedis() async throws {
        let prefix = ConsoleTest.newPrefix()
        let redis = try ConsoleTest.redis()
        defer { redis.close() }
        // 30 messages, message i sent i % 4 + 1 times, round robin over the receivers; half of them
        // from a click-to-chat link.
        var sends: [(id: String, entryPoint: String)] = []
        for i in 0..<30 {
            for _ in 0...(i % 4) { sends.append(("CONSOLE\(i)", i % 2 == 0 ? "click_to_chat_link" : "ctwa_ad")) }
        }
        let headers: HTTPFields = [.contentType: "application/json"]
        let bodies = try sends.map { try Self.evolutionBody(id: $0.id, entryPoint: $0.entryPoint) }
        let metrics: [String]
        do {
            metrics = try await Self.receiver(1, prefix: prefix, redis: redis).test(.router) { one in
                try await Self.receiver(2, prefix: prefix, redis: redis).test(.router) { two in
                    try await Self.receiver(3, prefix: prefix, redis: redis).test(.router) { three in
                        let clients: [any TestClientProtocol] = [one, two, three]
                        for (index, body) in bodies.enumerated() {
                            let status = try await clients[index % 3].execute(
                                uri: "/webhook/evolution/messages-upsert", method: .post, headers: headers, body: body
                            ) { $0.status }
                            #expect(status == .ok)
                        }
                        var texts: [String] = []
                        for client in clients { texts.append(try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }) }
                        return texts
                    }
                }
            }
        } catch {
            await ConsoleTest.deleteAll(prefix: prefix, redis: redis)
            throw error
        }
        let accepted = metrics.reduce(0) { $0 + Self.sum($1, "webhook_requests_total", "outcome=\"accepted\"") }
        let duplicate = metrics.reduce(0) { $0 + Self.sum($1, "webhook_requests_total", "outcome=\"duplicate\"") }
        #expect(accepted == 30)
        #expect(duplicate == sends.count - 30)

        let now = try await RedisClock.nowMs(redis)
        let counters = try await MinuteCounters.read(redis: redis, keyPrefix: prefix, shards: 2, minutes: 5, nowMs: now)
        // 48 hours: more reads than one pipeline carries, the same figures.
        let twoDays = try await MinuteCounters.read(redis: redis, keyPrefix: prefix, shards: 2, minutes: 2880, nowMs: now)
        await ConsoleTest.deleteAll(prefix: prefix, redis: redis)
        #expect(counters.totals.accepted == accepted)
        #expect(counters.totals.duplicate == duplicate)
        #expect(twoDays.totals == counters.totals)
        #expect(twoDays.sources.first?.minutes.count == 2880)
        let evolution = try #require(counters.sources.first { $0.source == "evolution" })
        #expect(evolution.minutes.reduce(0) { $0 + $1.accepted } == accepted)
        for entryPoint in ["click_to_chat_link", "ctwa_ad"] {
            let prometheus = metrics.reduce(0) {
                $0 + Self.sum($1, "webhook_duplicates_by_entry_point_total", "entry_point=\"\(entryPoint)\"")
            }
            #expect(evolution.duplicatesByEntryPoint[entryPoint] == prometheus, "\(entryPoint)")
        }
        // Each receiver is seen with the requests it took (every tenth send went to each in turn).
        #expect(counters.receivers.map(\.name) == ["receiver-1", "receiver-2", "receiver-3"])
        for (n, receiver) in counters.receivers.enumerated() {
            #expect(receiver.messages == (0..<sends.count).filter { $0 % 3 == n }.count, "\(receiver.name)")
        }
    }

    @Test func minuteLabelsMatchTheUTCCalendar() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmm"
        for seconds: Int64 in [0, 951_782_400, 951_868_799, 1_709_164_800, 1_767_225_599, 1_764_558_000, 4_102_444_799] {
            #expect(RedisClock.minuteLabel(unixSeconds: seconds) == formatter.string(from: Date(timeIntervalSince1970: Double(seconds))))
        }
    }
}
