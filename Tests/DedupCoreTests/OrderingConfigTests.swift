import DedupCore
import Foundation
import Testing

@Suite("Sources file: ordered destinations")
struct OrderingConfigTests {
    static func parse(_ text: String) throws -> SourcesConfig {
        try SourcesConfig.parse(text, format: .yaml, origin: "/etc/wd/sources.yaml", environment: [:])
    }

    static func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return (error as? ConfigError)?.message
        }
    }

    @Test func orderByAndPartitionsAreReadAndTheProfileLendsItsDefault() throws {
        let config = try Self.parse(
            """
            destinations:
              bot: { url: http://bot/hooks, order_by: [/instance, /data/key/remoteJid], partitions: 32 }
              crm: { url: http://crm/hooks, partitions: 16 }
              n8n: { url: http://n8n/hooks }
            sources:
              evolution: { routes: [{ to: bot }, { to: n8n }] }
              meta: { profile: meta, routes: [{ to: crm }] }
            """)
        let bot = try #require(config.destinations.first { $0.name == "bot" })
        #expect(bot.orderBy == (try OrderBy(items: ["/instance", "/data/key/remoteJid"])))
        #expect(bot.orderedPartitions == 32)
        #expect(config.destinations.first { $0.name == "n8n" }?.isOrdered == false)
        #expect(config.destinations.first { $0.name == "crm" }?.orderedPartitions == 16)

        let body = try Fixtures.data(Fixtures.evolutionUpsert)
        let ordering = try #require(config.ordering(source: "evolution", headers: [], contentType: "application/json", body: body))
        #expect(ordering.conversation == "loja-centro\u{1F}5521987650001@s.whatsapp.net")
        #expect(ordering.partitions == 32)
        #expect(ordering.partition == OrderingPartition.of(conversation: ordering.conversation, partitions: 32))
        #expect(ordering.destinations == ["bot"])
        // Meta's profile supplies the customer as the conversation.
        let meta = try #require(
            config.ordering(source: "meta", headers: [], contentType: "application/json", body: try Fixtures.data(Fixtures.metaMessages)))
        #expect(meta.conversation == "104857600000001\u{1F}5521987650001")
        #expect(meta.destinations == ["crm"])
    }

    @Test func aSourceWithoutOrderedRoutesIsNotOrdered() throws {
        let config = try Self.parse(
            """
            destinations:
              bot: { url: http://bot/hooks, order_by: [/chat] }
              n8n: { url: http://n8n/hooks }
            sources:
              other: { routes: [{ to: n8n }] }
            """)
        #expect(config.ordering(source: "other", headers: [], contentType: "application/json", body: Data("{}".utf8)) == nil)
        #expect(config.destinations.first?.orderedPartitions == Destination.defaultPartitions)
    }

    @Test func badOrderingIsRefusedWithTheReason() {
        #expect(
            Self.error("destinations:\n  bot: { url: http://bot/hooks, order_by: [chat] }\n")
                == #"sources file /etc/wd/sources.yaml: destination "bot": order_by item "chat": not a JSON pointer: must start with /"#)
        #expect(
            Self.error("destinations:\n  bot: { url: http://bot/hooks, partitions: 0 }\n")
                == #"sources file /etc/wd/sources.yaml: destination "bot": partitions must be a whole number from 1 to 4096, got 0"#)
        // A destination without order_by whose source's profile has no default.
        #expect(
            Self.error(
                """
                destinations:
                  bot: { url: http://bot/hooks, partitions: 8 }
                sources:
                  stripe: { profile: stripe, auth: { secret: whsec_x }, routes: [{ to: bot }] }
                """)?.contains("routes to the ordered destination \"bot\", which has no order_by") == true)
        // Two ordered destinations of one source must agree.
        let disagreeing = Self.error(
            """
            destinations:
              bot: { url: http://bot/hooks, order_by: [/chat], partitions: 8 }
              crm: { url: http://crm/hooks, order_by: [/chat], partitions: 16 }
            sources:
              app: { routes: [{ to: bot }, { to: crm }] }
            """)
        #expect(disagreeing?.contains("they must agree, since one shard holds the message for both") == true, "\(disagreeing ?? "accepted")")
    }

    /// Evolution 2.4 sends `event` and `instance` in headers only: routes and `order_by` read the
    /// message as the key rules do, those fields included, from the one parse the deriver made.
    @Test func placementReadsWhatTheKeyRulesRead() throws {
        let config = try Self.parse(
            """
            destinations:
              bot: { url: http://bot/hooks, order_by: [/instance, /data/key/remoteJid] }
              n8n: { url: http://n8n/hooks }
            sources:
              evolution: { routes: [{ to: bot, events: [messages.upsert] }, { to: n8n }] }
            """)
        let body = Data(#"{"data":{"key":{"id":"ABC1","remoteJid":"5521987650001@s.whatsapp.net","fromMe":false}}}"#.utf8)
        let headers = [("Content-Type", "application/json"), ("X-Event-Type", "messages.upsert"), ("X-Instance-ID", "loja-sul")]
        let request = WebhookRequest(source: "evolution", path: "", contentType: "application/json", headers: headers, body: body)
        let item = try #require(try KeyDeriver(sources: config).derive(request).items.first)
        let placement = config.placement(of: item, source: "evolution", path: "", headers: headers)
        #expect(placement.destinations == ["bot", "n8n"])
        #expect(placement.ordering?.conversation == "loja-sul\u{1F}5521987650001@s.whatsapp.net")
        #expect(item.body == body, "the stored body is what the sender sent")
    }
}
