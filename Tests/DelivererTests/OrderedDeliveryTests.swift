import DedupCore
import Foundation
import NIOConcurrencyHelpers
import RedisClient
import Testing

@testable import Deliverer

/// Ordered delivery against the real Redis and a real HTTP sink: partitions written as the receiver
/// writes them, two deliverers sharing them through leases.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct OrderedDeliveryTests {
    static let partitions = 8

    /// Writes `messages` entries for each of `conversations`, interleaved, each to its conversation's
    /// partition, with a body `{"c":C,"n":N}`. Returns the total. Ids are given (`1-0`, `2-0`, ...) so
    /// they are unique over all partitions, as the sink tells entries apart by id.
    @discardableResult
    static func write(_ redis: TestRedis, conversations: Int, messages: Int, destination: String = "bot") async throws -> Int {
        var commands: [RedisCommand] = []
        for n in 0..<messages {
            for c in 0..<conversations {
                let conversation = "chat-\(c)"
                let partition = OrderingPartition.of(conversation: conversation, partitions: partitions)
                let fields =
                    TestRedis.fields(key: "\(conversation):\(n)", source: "evolution", body: Array(#"{"c":\#(c),"n":\#(n)}"#.utf8))
                    + ["conversation", .init(conversation)]
                commands.append(
                    RedisCommand(
                        [
                            .init("XADD"), .init(redis.keys.partition(partition, destination: destination, shards: redis.shards)),
                            .init("\(commands.count + 1)-0"),
                        ]
                            + fields))
            }
        }
        for reply in try await redis.client.pipeline(commands) { _ = try reply.throwingServerError() }
        return commands.count
    }

    static func destination(_ redis: TestRedis, maxAttempts: Int = 10, leaseTTL: Duration = .seconds(2)) -> OrderedDestination {
        OrderedDestination(
            name: "bot", partitions: partitions, shards: redis.shards,
            retry: RetryPolicy(
                maxAttempts: maxAttempts, finalStatuses: [410], backoff: RetryBackoff(base: .milliseconds(20), max: .milliseconds(80))),
            deliveryTimeout: .seconds(1),
            concurrency: 8, leaseTTL: leaseTTL)
    }

    /// Runs `count` ordered deliverers against `url` until `done` holds (or 60 s), then stops them.
    static func deliver(
        _ redis: TestRedis, as client: RedisClient? = nil, to url: URL, deliverers count: Int, destination: OrderedDestination,
        until done: () async throws -> Bool
    ) async throws {
        let stop = NIOLockedValueBox(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                let downstream = HTTPDownstream(url: url, concurrency: 8, timeout: destination.deliveryTimeout)
                let delivery = OrderedDelivery(
                    redis: client ?? redis.client, keys: redis.keys, destination: destination, consumer: "ordered-\(index)", downstream: downstream,
                    rate: nil,
                    metrics: DeliveryMetrics(destination: destination.name), logger: testLogger("ordered"))
                group.addTask {
                    await delivery.run { stop.withLockedValue { $0 } }
                    await downstream.shutdown()
                }
            }
            let finished = try await eventually(timeout: .seconds(60), done)
            stop.withLockedValue { $0 = true }
            try await group.waitForAll()
            #expect(finished)
        }
    }

    /// Dead letters of the destination `bot` over all shards.
    static func deadLetters(_ redis: TestRedis) async throws -> Int {
        var total = 0
        for shard in 0..<redis.shards { total += try await redis.length(redis.keys.dead(shard: shard, destination: "bot")) }
        return total
    }

    /// The sequence numbers each conversation's 2xx deliveries arrived with, in arrival order.
    static func arrivals(_ sink: RecordingSink) -> [Int: [Int]] {
        var arrivals: [Int: [Int]] = [:]
        for request in sink.delivered {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Int], let c = object["c"], let n = object["n"]
            else { continue }
            arrivals[c, default: []].append(n)
        }
        return arrivals
    }

    /// 50 conversations × 40 messages, two deliverers, a sink that fails a tenth of first attempts and
    /// answers after 0-20 ms: every conversation arrives complete and in order.
    @Test func everyConversationArrivesCompleteAndInOrderAcrossTwoDeliverers() async throws {
        try await withTestRedis(shards: 2) { redis in
            let total = try await Self.write(redis, conversations: 50, messages: 40)
            // Fails a tenth of first attempts, answers after 0-20 ms.
            let sink = RecordingSink { id, seen in
                (seen == 1 && (Int(id.split(separator: "-").first ?? "") ?? 0) % 10 == 0 ? 503 : 200, .milliseconds(Int.random(in: 0...20)))
            }
            try await sink.run { url in
                try await Self.deliver(redis, to: url, deliverers: 2, destination: Self.destination(redis)) {
                    Set(sink.delivered.map(\.entryID)).count == total
                }
            }
            let arrivals = Self.arrivals(sink)
            #expect(arrivals.count == 50)
            for (conversation, sequence) in arrivals {
                #expect(sequence == Array(0..<40), "conversation \(conversation) arrived as \(sequence)")
            }
            #expect(sink.requests.contains { $0.status == 503 }, "some first attempts failed and were retried in order")
            for partition in 0..<Self.partitions {
                #expect(try await redis.length(redis.keys.partition(partition, destination: "bot", shards: 2)) == 0)
            }
            #expect(try await Self.deadLetters(redis) == 0)
        }
    }

    @Test func aFailingConversationHoldsBackOnlyItselfAndItsDeadLetterNamesWhatWentOn() async throws {
        try await withTestRedis(shards: 1) { redis in
            try await Self.write(redis, conversations: 6, messages: 5)
            // chat-0 always answers 500; everything else 200.
            let sink = RecordingSink()
            let failing = Locked(Set<String>())
            let ids =
                try await redis.client.command(
                    "XRANGE",
                    .init(
                        redis.keys.partition(OrderingPartition.of(conversation: "chat-0", partitions: Self.partitions), destination: "bot", shards: 1)
                    ), "-", "+"
                ).array ?? []
            for reply in ids {
                if let entry = StreamEntry(shard: 0, reply: reply), entry.text("conversation") == "chat-0" {
                    failing.withLock { _ = $0.insert(entry.id) }
                }
            }
            sink.setBehavior { id, _ in (failing.withLock { $0.contains(id) } ? 500 : 200, .zero) }
            try await sink.run { url in
                try await Self.deliver(redis, to: url, deliverers: 1, destination: Self.destination(redis, maxAttempts: 3)) {
                    try await Self.deadLetters(redis) == 5 && sink.delivered.count == 25
                }
            }
            let arrivals = Self.arrivals(sink)
            for c in 1..<6 { #expect(arrivals[c] == Array(0..<5)) }
            #expect(arrivals[0] == nil)
            // Each of chat-0's entries failed 3 times, in order, and the first dead letter names the
            // four entries that went on after it.
            let failed = failing.withLock { $0 }
            let attempts = sink.requests.filter { failed.contains($0.entryID) }
            #expect(attempts.count == 15)
            // Never stopped behind chat-0: every other conversation, its partition-mates included, was
            // through before chat-0's retries were (5 entries × 3 attempts with backoff between).
            let othersDone = try #require(sink.delivered.filter { !failed.contains($0.entryID) }.map(\.at).max())
            let chat0Done = try #require(attempts.map(\.at).max())
            #expect(othersDone < chat0Done)
            let dead = try await redis.client.command("XRANGE", .init(redis.keys.dead(shard: 0, destination: "bot")), "-", "+").array ?? []
            let letters = dead.compactMap { StreamEntry(shard: 0, reply: $0) }
            #expect(letters.map { $0.key } == (0..<5).map { "chat-0:\($0)" })
            #expect(letters.first?.text("went_on").split(separator: ",").count == 4)
            #expect(letters.last?.text("went_on") == "")
            #expect(letters.allSatisfy { $0.text("attempts") == "3" && $0.text("status") == "500" })
            // Replayed, they go back to chat-0's partition stream, without the failure fields.
            let store = DeadLetterStore(
                redis: redis.client, keyPrefix: redis.prefix, shards: 1, destinations: ["bot"], ordered: ["bot": Self.partitions])
            #expect(try await store.replayAll().count == 5)
            let partition = redis.keys.partition(
                OrderingPartition.of(conversation: "chat-0", partitions: Self.partitions), destination: "bot", shards: 1)
            let back = (try await redis.client.command("XRANGE", .init(partition), "-", "+").array ?? []).compactMap {
                StreamEntry(shard: 0, reply: $0)
            }
            #expect(back.map(\.key) == (0..<5).map { "chat-0:\($0)" })
            #expect(back.allSatisfy { $0.value("went_on") == nil && $0.value("error") == nil && $0.text("conversation") == "chat-0" })
        }
    }

    /// A deliverer that stopped during an entry's last allowed attempt left it counted but unsettled:
    /// the next holder buries it unsent, as unordered delivery does, and goes on with the conversation.
    @Test func anEntryWhoseLastAttemptWasInterruptedIsADeadLetterUnsent() async throws {
        try await withTestRedis(shards: 1) { redis in
            try await Self.write(redis, conversations: 1, messages: 2)
            let partition = OrderingPartition.of(conversation: "chat-0", partitions: Self.partitions)
            let entries =
                (try await redis.client.command("XRANGE", .init(redis.keys.partition(partition, destination: "bot", shards: 1)), "-", "+")
                .array ?? []).compactMap { StreamEntry(shard: 0, reply: $0) }
            let first = try #require(entries.first)
            // What the attempt script leaves when its deliverer dies during attempt 3 of 3.
            try await redis.client.command(
                "HSET", .init(redis.keys.partitionAttempts(partition, destination: "bot", shards: 1)), .init(first.id), "3")
            let sink = RecordingSink()
            try await sink.run { url in
                try await Self.deliver(redis, to: url, deliverers: 1, destination: Self.destination(redis, maxAttempts: 3)) {
                    try await Self.deadLetters(redis) == 1 && sink.delivered.count == 1
                }
            }
            #expect(sink.requests.map(\.entryID) == [entries[1].id])
            let dead = (try await redis.client.command("XRANGE", .init(redis.keys.dead(shard: 0, destination: "bot")), "-", "+").array ?? [])
                .compactMap { StreamEntry(shard: 0, reply: $0) }
            #expect(dead.map(\.key) == [first.key])
            #expect(dead.first?.text("attempts") == "3")
            #expect(dead.first?.text("error").contains("interrupted") == true)
        }
    }

    @Test func partitionStatusShowsBacklogHolderAndHeldBackConversations() async throws {
        try await withTestRedis(shards: 2) { redis in
            let total = try await Self.write(redis, conversations: 3, messages: 2)
            let partition = OrderingPartition.of(conversation: "chat-0", partitions: Self.partitions)
            let leases = PartitionLeases(redis: redis.client, keys: redis.keys, destination: "bot", shards: 2, consumer: "d1", ttl: .seconds(5))
            let lease = try #require(try await leases.acquire(partition))
            // One failed attempt of chat-0's first entry, counted as the worker counts it.
            let head = try #require(
                try await redis.client.command(
                    "XRANGE", .init(redis.keys.partition(partition, destination: "bot", shards: 2)), "-", "+", "COUNT", "1"
                ).array?.first.flatMap { StreamEntry(shard: 0, reply: $0) })
            let counted = try await redis.client.evalScript(
                OrderedScripts.attempt,
                keys: [
                    .init(redis.keys.partitionLease(partition, destination: "bot", shards: 2)),
                    .init(redis.keys.partitionAttempts(partition, destination: "bot", shards: 2)),
                ],
                arguments: [.init(lease.value), .init(head.id)])
            #expect(counted.int == 1)

            let statuses = try await PartitionStatus.read(
                redis: redis.client, keys: redis.keys, destination: "bot", partitions: Self.partitions, shards: 2)
            #expect(statuses.count == Self.partitions)
            #expect(statuses.map(\.length).reduce(0, +) == total)
            let held = statuses[partition]
            #expect(held.holder == "d1")
            #expect(held.token == lease.token)
            #expect(held.oldestWaitingMs != nil)
            #expect(held.heldBack == [PartitionStatus.HeldBack(id: head.id, key: head.key, conversation: head.text("conversation"), attempts: 1)])
            #expect(statuses.filter { $0.partition != partition }.allSatisfy { $0.holder == nil && $0.heldBack.isEmpty })
            // `stats` shows the partitions of an ordered destination and counts their entries in its totals.
            let stats = try await DeliveryStats.collect(
                redis: redis.client, keyPrefix: redis.prefix, shards: 2, group: "deliverers", destinations: ["bot"], ordered: ["bot": Self.partitions]
            )
            #expect(stats.destinations.first?.partitions?.count == Self.partitions)
            #expect(stats.destinations.first?.totals.length == total)
            #expect(stats.totals.length == total)
            #expect(stats.json().contains("\"held_back\":[{\"attempts\":1"))
            // A lease taken by a peer (the fencing check) makes the same script refuse.
            try await leases.release(lease)
            let refused = try await redis.client.evalScript(
                OrderedScripts.attempt,
                keys: [
                    .init(redis.keys.partitionLease(partition, destination: "bot", shards: 2)),
                    .init(redis.keys.partitionAttempts(partition, destination: "bot", shards: 2)),
                ],
                arguments: [.init(lease.value), .init(head.id)])
            #expect(refused.int == -1)
        }
    }

    /// The deliverer service itself: a sources-file destination with `order_by` is delivered by
    /// partitions, here by two services, and a graceful shutdown returns.
    @Test func theDeliveryServiceDeliversAnOrderedDestinationByPartitions() async throws {
        try await withTestRedis(shards: 2) { redis in
            let total = try await Self.write(redis, conversations: 20, messages: 10)
            let sink = RecordingSink { _, _ in (200, .milliseconds(Int.random(in: 0...5))) }
            try await sink.run { url in
                let services = ["a", "b"].map { consumer in
                    var configuration = redis.delivererConfiguration(
                        downstream: .http(url), consumer: consumer, deliveryTimeout: .seconds(1), claimIdle: .seconds(3))
                    configuration.destinations = [
                        Destination(name: "bot", url: url.absoluteString, orderBy: try! OrderBy(items: ["/c"]), partitions: Self.partitions)
                    ]
                    return DeliveryService(configuration: configuration, logger: testLogger("deliver"))
                }
                try await withRunningServices(services) {
                    let delivered = try await eventually(timeout: .seconds(30)) { Set(sink.delivered.map(\.entryID)).count == total }
                    #expect(delivered)
                }
            }
            for (conversation, sequence) in Self.arrivals(sink) {
                #expect(sequence == Array(0..<10), "conversation \(conversation) arrived as \(sequence)")
            }
            #expect(try await redis.client.command("ZCARD", .init(redis.keys.partitionHolders(destination: "bot"))).int == 0)
        }
    }
}
