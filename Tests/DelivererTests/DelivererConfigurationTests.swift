import Foundation
import RedisClient
import Testing

@testable import Deliverer

/// Configuration rules that need no Redis: the claim time live deliverers can keep, the read-ahead.
struct DelivererConfigurationTests {
    private func configuration(claimIdle: Duration, shards: Int = 1) throws -> DelivererConfiguration {
        DelivererConfiguration(
            redis: try RedisConfiguration(url: "redis://127.0.0.1:6379/0"), downstream: .standardOutput, shards: shards, claimIdle: claimIdle)
    }

    @Test("A claim time shorter than the longest touch gap of a live deliverer is refused, with the minimum named")
    func refusesClaimTimesLiveDeliverersCannotKeep() throws {
        for milliseconds in [1, 10, 100, 500, 749] {
            let short = try configuration(claimIdle: .milliseconds(milliseconds))
            #expect(short.claimIdle < short.longestTouchGap)
            let error = #expect(throws: DelivererConfigurationError.self) { try short.validate() }
            #expect(error?.description.contains("claim time \(milliseconds) ms") == true)
            #expect(error?.description.hasSuffix("use at least 750") == true)
        }
        for milliseconds in [750, 1_000, 2_000, 14_999, 15_000, 30_000, 86_400_000] {
            let fine = try configuration(claimIdle: .milliseconds(milliseconds))
            #expect(throws: Never.self) { try fine.validate() }
            #expect(fine.longestTouchGap <= fine.claimIdle)
        }
    }

    @Test("The touch gap follows the sweep interval: a third of the claim time, capped at 5 s")
    func touchGapFromSweepInterval() throws {
        let twoSeconds = try configuration(claimIdle: .seconds(2))
        #expect(twoSeconds.sweepInterval.milliseconds == 666)
        #expect(twoSeconds.longestTouchGap.milliseconds == 1_583)
        let standard = try configuration(claimIdle: .seconds(30))
        #expect(standard.sweepInterval == .seconds(5))
        #expect(standard.longestTouchGap == .milliseconds(10_250))
    }

    @Test("The read-ahead is at least twice the shards, so each read can ask every shard for one entry")
    func readAheadCoversShards() throws {
        #expect(try configuration(claimIdle: .seconds(30)).readAhead == 64)
        #expect(try configuration(claimIdle: .seconds(30), shards: 32).readAhead == 64)
        #expect(try configuration(claimIdle: .seconds(30), shards: 1024).readAhead == 2048)
    }
}
