import DedupCore
import Foundation
import Testing

/// The evolution profile: the built-in Evolution rule, also fed by the 2.4 headers, the token check,
/// and `drop_apikey`.
@Suite("Sender profile: evolution")
struct EvolutionProfileTests {
    /// Evolution API 2.4 names the instance and event in `X-Instance-ID` / `X-Event-Type`; a body
    /// without them is keyed from the headers, and a body that has them wins.
    @Test func headersFillWhatTheBodyLacks() throws {
        let body = Data(#"{"data":{"key":{"id":"3EB0C7","fromMe":false},"message":{"conversation":"hi"}}}"#.utf8)
        let headers = [(name: "X-Instance-ID", value: "sales"), (name: "X-Event-Type", value: "messages.upsert")]
        let derivation = try KeyDeriver().derive(request(body, source: "evolution", headers: headers))
        #expect(derivation.rule == .evolution)
        #expect(derivation.items.map(\.key) == ["evo:sales:messages.upsert:3EB0C7:0"])
        #expect(derivation.items[0].body == body)
        let full = try Fixtures.data(Fixtures.evolutionUpsert)
        let fromBody = try KeyDeriver().derive(request(full, source: "evolution"))
        let withHeaders = try KeyDeriver().derive(request(full, source: "evolution", headers: [(name: "X-Instance-ID", value: "other")]))
        #expect(withHeaders.items.map(\.key) == fromBody.items.map(\.key))
        // Other sources do not read these headers.
        #expect(try KeyDeriver().derive(request(body, source: "hooks", headers: headers)).rule == .rawBody)
    }

    @Test func dropAPIKeyRemovesItFromTheStoredBodyOnly() throws {
        let body = try Fixtures.data(Fixtures.evolutionV1Upsert)
        #expect(String(decoding: body, as: UTF8.self).contains("\"apikey\""))
        let sources = try SourcesConfig.parse(
            "sources:\n  evolution:\n    drop_apikey: true\n    auth: { header: X-Webhook-Token, secret: t }\n", environment: [:])
        #expect(sources.rule(for: "evolution")?.auth?.kind == .token)
        let dropped = try KeyDeriver(sources: sources).derive(request(body, source: "evolution"))
        let kept = try KeyDeriver().derive(request(body, source: "evolution"))
        #expect(dropped.items.map(\.key) == kept.items.map(\.key))
        #expect(kept.items[0].body == body)
        let stored = try #require(JSONSerialization.jsonObject(with: dropped.items[0].body) as? [String: Any])
        let original = try #require(JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(stored["apikey"] == nil)
        #expect(Set(stored.keys) == Set(original.keys).subtracting(["apikey"]))
        // Fields the key rules take from headers (Evolution 2.4's X-Instance-ID) are not written into it.
        var headerOnly = original
        headerOnly["instance"] = nil
        let headerBody = try JSONSerialization.data(withJSONObject: headerOnly)
        let fromHeaders = try KeyDeriver(sources: sources).derive(
            request(headerBody, source: "evolution", headers: [("X-Instance-ID", "loja-centro")]))
        let storedFromHeaders = try #require(JSONSerialization.jsonObject(with: fromHeaders.items[0].body) as? [String: Any])
        #expect(storedFromHeaders["instance"] == nil && storedFromHeaders["apikey"] == nil)
        let json = try SourcesConfig.parse(#"{"sources":{"fuzz":{"profile":"evolution","drop_apikey":true}}}"#, environment: [:])
        #expect(json.rule(for: "fuzz")?.redactedFields == ["apikey"])
        #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  stripe:\n    drop_apikey: true\n", environment: [:]) }
        #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  evolution:\n    drop_apikey: yes please\n", environment: [:]) }
    }
}
