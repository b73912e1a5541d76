import DedupCore
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

    @Test("One configuration per destination: its own settings over the deliverer's; --destination picks, an unknown name is refused")
    func destinationConfigurations() throws {
        var base = try configuration(claimIdle: .seconds(30))
        base.finalStatuses = [410]
        #expect(try base.destinationConfigurations().map(\.destination) == ["default"])
        base.destinations = [
            Destination(
                name: "bot", url: "http://bot:3000/hooks", headers: [.init(name: "X-Token", value: Secret("t"))], timeoutMs: 500, maxAttempts: 3,
                retryBaseMs: 100, retryMaxMs: 900, concurrency: 2, rate: RateLimitRule(rate: 5), finalStatuses: [400]),
            Destination(name: "n8n", url: "https://n8n/hook"),
        ]
        let all = try base.destinationConfigurations()
        #expect(all.map(\.destination) == ["bot", "n8n"])
        let bot = all[0]
        #expect(bot.downstream == .http(URL(string: "http://bot:3000/hooks")!))
        #expect(bot.concurrency == 2 && bot.maxAttempts == 3 && bot.deliveryTimeout == .milliseconds(500))
        #expect(bot.retryBase == .milliseconds(100) && bot.retryMax == .milliseconds(900))
        #expect(bot.rate == RateLimitRule(rate: 5) && bot.finalStatuses == [400] && bot.headers.map(\.name) == ["X-Token"])
        let n8n = all[1]
        #expect(n8n.concurrency == base.concurrency && n8n.maxAttempts == base.maxAttempts && n8n.retryMax == base.retryMax)
        #expect(n8n.rate == nil && n8n.finalStatuses == [410] && n8n.headers.isEmpty)
        base.selectedDestinations = ["n8n"]
        #expect(try base.destinationConfigurations().map(\.destination) == ["n8n"])
        base.selectedDestinations = ["crm"]
        let error = #expect(throws: DelivererConfigurationError.self) { try base.destinationConfigurations() }
        #expect(error?.description == "no destination \"crm\" (known: bot, n8n)")
    }
}
