import DedupCore
import Foundation
import RedisClient
import Testing

@testable import Deliverer

/// Shutdown against a real Redis, with a downstream that never answers on its own (one that ignores
/// its own timeout), so the drain deadline has to cancel the attempts.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct DrainDeadlineTests {
    /// Holds every attempt until it is cancelled, then reports a failure, as a client does when it is
    /// cancelled mid-request.
    final class SilentDownstream: Downstream {
        private let started = Locked<[String]>([])

        var attempts: [String] { started.withLock { $0 } }

        func deliver(_ entry: StreamEntry, attempt: Int) async -> DeliveryResult {
            started.withLock { $0.append(entry.id) }
            try? await Task.sleep(for: .seconds(30))
            return .failed("no answer")
        }

        func shutdown() async {}
    }

    @Test("An attempt cancelled by the drain deadline is not a failed attempt: handed back uncounted, never dead-lettered")
    func cancelledAttemptIsHandedBack() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(2)
            let downstream = SilentDownstream()
            // One attempt allowed: counting the cancelled one as failed would dead-letter both entries.
            let configuration = redis.delivererConfiguration(
                downstream: .standardOutput, consumer: "draining", maxAttempts: 1, deliveryTimeout: .milliseconds(200),
                claimIdle: .seconds(5))
            let stopping = ContinuousClock.now
            try await withRunningServices([DeliveryService(configuration: configuration, downstream: downstream, logger: testLogger("deliver"))]) {
                let started = try await eventually { downstream.attempts.count == 2 }
                #expect(started)
            }
            #expect(ContinuousClock.now - stopping < .seconds(10))  // the drain deadline (1.2 s) cut it short
            #expect(Set(downstream.attempts) == Set(ids))
            #expect(try await redis.deadCount() == 0)
            #expect(try await redis.backlog() == 2)
            for id in ids {
                let reply = try await redis.client.command(
                    "XPENDING", .init(redis.keys.stream(shard: 0)), "deliverers", .init(id), .init(id), "1")
                let fields = try #require(reply.array?.first?.array)
                #expect(fields[1].string == "draining")
                #expect((fields[2].int ?? 0) >= 5_000)  // handed back: idle at the claim time
                #expect(fields[3].int == 0)  // the cancelled attempt is not counted
            }
        }
    }
}
