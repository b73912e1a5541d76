import DedupCore
import Foundation
import Testing

@Suite("Route filters")
struct RouteFilterTests {
    static let config = try! SourcesConfig.parse(
        """
        destinations:
          bot: { url: http://bot/hooks }
          n8n: { url: http://n8n/hooks }
          crm: { url: http://crm/hooks }
          audit: { url: http://audit/hooks }
        sources:
          evolution:
            routes:
              - to: bot
                events: [messages.upsert, send.message]
                match:
                  - { pointer: /data/key/fromMe, equals: false }
              - to: n8n
          meta:
            profile: meta
            routes:
              - to: crm
                events: [messages]
              - to: audit
                headers: { X-Env: prod }
                match:
                  - not: { pointer: /entry/0/id, in: ["test-waba", "sandbox"] }
                  - { pointer: /entry/0/changes/0/value/statuses, exists: false }
        """, format: .yaml)

    static func route(_ source: String, _ body: String, path: String = "", headers: [(name: String, value: String)] = []) -> [String] {
        config.destinations(source: source, path: path, headers: headers, contentType: "application/json", body: Data(body.utf8))
    }

    static func evolution(_ event: String, fromMe: Bool = false) -> String {
        #"{"event":"\#(event)","instance":"loja","data":{"key":{"id":"3A9F","fromMe":\#(fromMe)}}}"#
    }

    @Test("An Evolution messages.upsert from a contact goes to the bot and to n8n")
    func upsertToBoth() {
        #expect(Self.route("evolution", Self.evolution("messages.upsert")) == ["bot", "n8n"])
    }

    @Test("presence.update goes only to the route without a filter")
    func presenceOnlyToUnfiltered() {
        #expect(Self.route("evolution", Self.evolution("presence.update")) == ["n8n"])
    }

    @Test("A message sent by the instance itself fails the fromMe condition")
    func fromMeExcluded() {
        #expect(Self.route("evolution", Self.evolution("messages.upsert", fromMe: true)) == ["n8n"])
    }

    @Test("Event names match however Evolution spells them: body MESSAGES_UPSERT or the per-event path")
    func eventSpellings() {
        #expect(Self.route("evolution", Self.evolution("MESSAGES_UPSERT")) == ["bot", "n8n"])
        let noEvent = #"{"instance":"loja","data":{"key":{"id":"3A9F","fromMe":false}}}"#
        #expect(Self.route("evolution", noEvent, path: "/messages-upsert") == ["bot", "n8n"])
        #expect(Self.route("evolution", noEvent, path: "/presence-update") == ["n8n"])
    }

    @Test("Meta: event is the change's field; header and negated one-of conditions; no match is an empty list")
    func metaRoutes() {
        let message =
            #"{"object":"whatsapp_business_account","entry":[{"id":"1234","changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1"}]}}]}]}"#
        let status =
            #"{"object":"whatsapp_business_account","entry":[{"id":"1234","changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.1"}]}}]}]}"#
        let sandbox = #"{"object":"whatsapp_business_account","entry":[{"id":"sandbox","changes":[{"field":"account_update","value":{}}]}]}"#
        let prod = [(name: "x-env", value: "prod")]
        #expect(Self.route("meta", message) == ["crm"])
        #expect(Self.route("meta", message, headers: prod) == ["crm", "audit"])
        #expect(Self.route("meta", status, headers: prod) == ["crm"])
        #expect(Self.route("meta", sandbox, headers: prod) == [])
        #expect(Self.route("meta", sandbox.replacingOccurrences(of: "sandbox", with: "live"), headers: prod) == ["audit"])
    }

    @Test("Numbers compare by value and a body that is not JSON only passes filters that read nothing")
    func numbersAndNonJSON() throws {
        let config = try SourcesConfig.parse(
            """
            destinations:
              a: { url: http://a/ }
              b: { url: http://b/ }
            sources:
              s:
                routes:
                  - { to: a, match: [ { pointer: /n, equals: 1 } ] }
                  - { to: b, match: [ { pointer: /n, exists: false } ] }
            """, format: .yaml)
        let route = { (body: String, type: String) in
            config.destinations(source: "s", path: "", headers: [], contentType: type, body: Data(body.utf8))
        }
        #expect(route(#"{"n":1.0}"#, "application/json") == ["a"])
        #expect(route(#"{"n":"1"}"#, "application/json") == [])
        #expect(route("n=1", "application/x-www-form-urlencoded") == ["b"])
    }

    @Test("Without destinations everything goes to default; with them an unlisted source goes to default only if it exists")
    func defaults() throws {
        let none = try SourcesConfig.parse("sources:\n  evolution: { ttl: 60 }", format: .yaml)
        #expect(none.destinations(source: "anything", path: "", headers: [], contentType: nil, body: Data()) == ["default"])
        #expect(Self.config.destinations(source: "unlisted", path: "", headers: [], contentType: nil, body: Data()) == [])
        let withDefault = try SourcesConfig.parse(
            "destinations:\n  default: { url: http://d/ }\n  bot: { url: http://b/ }\nsources:\n  evo: { ttl: 60 }", format: .yaml)
        #expect(withDefault.destinations(source: "evo", path: "", headers: [], contentType: nil, body: Data()) == ["default"])
    }
}
