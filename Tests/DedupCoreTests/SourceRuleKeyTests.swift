import DedupCore
import Foundation
import Testing

@Suite("Source rule keys")
struct SourceRuleKeyTests {
    static func config(_ yaml: String) throws -> SourcesConfig {
        try SourcesConfig.parse(yaml, format: .yaml, environment: [:])
    }

    static let evolutionRule = """
        sources:
          evolution:
            key: ["/data/key/id", "header:X-Request-Id"]
            ttl: 3600
        """

    @Test func pointerAndHeaderParts() throws {
        let sources = try Self.config(Self.evolutionRule)
        let body = try Fixtures.data(Fixtures.evolutionUpsert)
        let both = try derive(body, headers: [("x-request-id", "req 1")], sources: sources)
        #expect(both.rule == .sourceRule)
        #expect(both.ttl == 3600)
        #expect(try key(both) == "rule:3A9F2C71D04B8E5A6C11:req%201")
        #expect(both.items[0].entryPoint == "click_to_chat_link")
        let headerMissing = try derive(body, sources: sources)
        #expect(try key(headerMissing) == "rule:3A9F2C71D04B8E5A6C11:-")
    }

    @Test func allPartsMissingFallsThroughButKeepsTheTTL() throws {
        let sources = try Self.config(Self.evolutionRule)
        let derivation = try derive(Fixtures.data(Fixtures.evolutionUpdate), sources: sources)
        #expect(derivation.rule == .evolution)
        #expect(derivation.ttl == 3600)
        #expect(try key(derivation) == "evo:loja-centro:messages.update:3EB0A1C2D3E4F50617283B:READ")
        let viaHeader = try derive(Data("x".utf8), contentType: "text/plain", headers: [("Idempotency-Key", "i")], sources: sources)
        #expect(viaHeader.rule == .header)
    }

    @Test func sourceRuleBeatsHeaders() throws {
        let sources = try Self.config(Self.evolutionRule)
        let derivation = try derive(Fixtures.data(Fixtures.evolutionUpsert), headers: [("Idempotency-Key", "i1")], sources: sources)
        #expect(derivation.rule == .sourceRule)
    }

    @Test func ruleOnlyAppliesToItsSource() throws {
        let sources = try Self.config(Self.evolutionRule)
        let derivation = try derive(Fixtures.data(Fixtures.evolutionUpsert), source: "other", sources: sources)
        #expect(derivation.rule == .evolution)
        #expect(derivation.ttl == nil)
    }

    @Test func escapedPointersArrayIndexesAndNonStringValues() throws {
        let sources = try Self.config(#"sources: { s: { key: ["/a~1b/c~0d", "/items/1/id", "/n", "/flag", "/obj", "/nothing"] } }"#)
        let body = try json([
            "a/b": ["c~d": "v1"],
            "items": [["id": "first"], ["id": "second"]],
            "n": 42, "flag": true, "obj": ["z": 1, "a": "x"],
        ])
        #expect(try key(derive(body, source: "s", sources: sources)) == "rule:v1:second:42:true:%7B%22a%22%3A%22x%22%2C%22z%22%3A1%7D:-")
    }

    @Test func nullCountsAsMissing() throws {
        let sources = try Self.config(#"sources: { s: { key: ["/id"] } }"#)
        let derivation = try derive(json(["id": NSNull(), "other": 1]), source: "s", sources: sources)
        #expect(derivation.rule == .rawBody)
    }

    @Test func headerPartsKeyNonJSONBodies() throws {
        let sources = try Self.config(#"sources: { s: { key: ["/id", "header:X-Event-Id"] } }"#)
        let derivation = try derive(
            Data("a=1&b=2".utf8), source: "s", contentType: "application/x-www-form-urlencoded", headers: [("X-EVENT-ID", "e9")], sources: sources)
        #expect(try key(derivation) == "rule:-:e9")
    }

    @Test func ignoreOnlyHashesTheBodyWithoutThoseFields() throws {
        let sources = try Self.config(#"sources: { s: { ignore: ["/sent_at", "/meta/attempt", "/list/0"] } }"#)
        let base: [String: Any] = ["id": "e1", "sent_at": "10:00", "meta": ["attempt": 1, "region": "br"], "list": ["drop", "keep"]]
        let baseKey = try key(derive(json(base), source: "s", sources: sources))
        #expect(baseKey.hasPrefix("rule:sha256:"))
        #expect(baseKey.count == "rule:sha256:".count + 64)
        var retry = base
        retry["sent_at"] = "10:05"
        retry["meta"] = ["attempt": 2, "region": "br"]
        retry["list"] = ["dropped-too", "keep"]
        #expect(try key(derive(json(retry), source: "s", sources: sources)) == baseKey)
        var changed = base
        changed["meta"] = ["attempt": 1, "region": "us"]
        #expect(try key(derive(json(changed), source: "s", sources: sources)) != baseKey)
    }

    @Test func ignoreIsTheFallbackWhenKeyPartsAreMissing() throws {
        let sources = try Self.config(#"sources: { s: { key: ["/id"], ignore: ["/ts"] } }"#)
        #expect(try key(derive(json(["id": "x", "ts": 1]), source: "s", sources: sources)) == "rule:x")
        let first = try key(derive(json(["ts": 1, "v": "a"]), source: "s", sources: sources))
        let second = try key(derive(json(["ts": 2, "v": "a"]), source: "s", sources: sources))
        #expect(first.hasPrefix("rule:sha256:"))
        #expect(first == second)
    }

    @Test func ignoreCannotFilterANonJSONBody() throws {
        let sources = try Self.config(#"sources: { s: { ignore: ["/ts"], ttl: 60 } }"#)
        let derivation = try derive(Data("not json".utf8), source: "s", contentType: "text/plain", sources: sources)
        #expect(derivation.rule == .rawBody)
        #expect(derivation.ttl == 60)
    }

    @Test func valuesThatLookLikeMarkersStayDistinct() throws {
        let sources = try Self.config(#"sources: { s: { key: ["/a", "/b"] } }"#)
        let literal = try key(derive(json(["a": "sha256", "b": "-"]), source: "s", sources: sources))
        #expect(literal == "rule:%73ha256:%2D")
        let missing = try key(derive(json(["a": "sha256"]), source: "s", sources: sources))
        #expect(missing == "rule:%73ha256:-")
    }
}
