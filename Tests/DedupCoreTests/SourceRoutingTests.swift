import Foundation
import Testing

@testable import DedupCore

/// The per-source routing the sources file is read into once, and what each request looks up.
struct SourceRoutingTests {
    static let config = try! SourcesConfig.parse(
        """
        destinations:
          default: { url: http://d/ }
          bot: { url: http://bot/, partitions: 8 }
          crm: { url: http://crm/ }
        sources:
          slack:
            routes: [{ to: crm, events: [app_mention] }]
          evolution:
            routes: [{ to: bot, headers: { X-Env: prod } }, { to: crm }]
        """, format: .yaml, environment: [:])

    @Test func routesThatReadTheBodyCarryTheProfilesEventPointers() {
        let slack = Self.config.routing(for: "slack")
        #expect(slack.routes?.map(\.destination) == ["crm"])
        #expect(slack.eventPointers == SenderProfile.named("slack")?.eventPointers)
        #expect(slack.ordered == nil)
        // Header-only and unfiltered routes never read the body.
        #expect(Self.config.routing(for: "evolution").eventPointers == nil)
    }

    @Test func orderedDestinationsTakeTheProfilesOrderBy() throws {
        let ordered = try #require(Self.config.routing(for: "evolution").ordered)
        #expect(ordered.orderBy == SenderProfile.named("evolution")?.defaultOrderBy)
        #expect(ordered.partitions == 8)
        #expect(ordered.destinations == ["bot"])
    }

    @Test func sourcesWithoutRoutesGoToDefaultWhenThereIsOne() {
        let unlisted = Self.config.routing(for: "payments")
        #expect(unlisted.rule == nil)
        #expect(unlisted.routes == nil)
        #expect(unlisted.fixedDestinations == ["default"])
        // Named after a profile: the profile's rule, and the default destination.
        #expect(Self.config.routing(for: "stripe").rule == SenderProfile.named("stripe").map(SourceRule.init(profile:)))
        #expect(Self.config.routing(for: "stripe").fixedDestinations == ["default"])
        #expect(SourceRouting(rule: nil, destinations: [Destination(name: "crm", url: "http://crm/")]).fixedDestinations == [])
        #expect(SourceRouting(rule: nil, destinations: []).fixedDestinations == ["default"])
    }

    @Test func theTableFollowsChangesToSourcesAndDestinations() {
        var config = SourcesConfig()
        #expect(config.routing(for: "shop").fixedDestinations == ["default"])
        config.destinations = [Destination(name: "crm", url: "http://crm/")]
        #expect(config.routing(for: "shop").fixedDestinations == [])
        var rule = SourceRule(ttl: 60)
        rule.routes = [Route(destination: "crm")]
        config.sources["shop"] = rule
        #expect(config.routing(for: "shop").rule?.ttl == 60)
        #expect(config.destinations(source: "shop", path: "", headers: [], contentType: nil, body: Data()) == ["crm"])
    }
}
