import DedupCore
import Foundation
import Testing

@Suite("Header keys and key encoding")
struct HeaderKeyTests {
    static let body = Data(#"{"type":"invoice.paid","id":"evt_1"}"#.utf8)

    @Test(arguments: [
        ("Idempotency-Key", "abc-123", "idem:abc-123"),
        ("idempotency-key", "abc-123", "idem:abc-123"),
        ("webhook-id", "msg_2Lp", "webhook-id:msg_2Lp"),
        ("Webhook-Id", "msg_2Lp", "webhook-id:msg_2Lp"),
        ("svix-id", "msg_2Lp", "webhook-id:msg_2Lp"),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958", "github:72d3162e-cc78-11e3-81ab-4c9367dc0958"),
        ("x-github-delivery", "72d3162e", "github:72d3162e"),
    ])
    func eachHeaderAnyCase(name: String, value: String, expected: String) throws {
        let derivation = try derive(Self.body, source: "payments", headers: [(name, value)])
        #expect(derivation.rule == .header)
        #expect(try key(derivation) == expected)
    }

    @Test func precedenceIdempotencyThenWebhookIdThenGitHub() throws {
        let all: [(name: String, value: String)] = [("X-GitHub-Delivery", "g"), ("webhook-id", "w"), ("Idempotency-Key", "i")]
        #expect(try key(derive(Self.body, headers: all)) == "idem:i")
        #expect(try key(derive(Self.body, headers: Array(all.prefix(2)))) == "webhook-id:w")
        #expect(try key(derive(Self.body, headers: [all[0]])) == "github:g")
    }

    @Test func emptyHeaderValuesAreIgnored() throws {
        let headers: [(name: String, value: String)] = [("Idempotency-Key", ""), ("webhook-id", "  "), ("X-GitHub-Delivery", "g1")]
        #expect(try key(derive(Self.body, headers: headers)) == "github:g1")
        let none = try derive(Self.body, headers: [("Idempotency-Key", "")])
        #expect(none.rule == .rawBody)
    }

    @Test func headerBeatsEvolutionButKeepsTheEntryPoint() throws {
        let derivation = try derive(Fixtures.data(Fixtures.evolutionUpsert), headers: [("Idempotency-Key", "k1")])
        #expect(derivation.rule == .header)
        #expect(try key(derivation) == "idem:k1")
        #expect(derivation.items[0].entryPoint == "click_to_chat_link")
    }

    @Test func valuesArePercentEncoded() throws {
        #expect(try key(derive(Self.body, headers: [("Idempotency-Key", "a b:c/d%é")])) == "idem:a%20b%3Ac%2Fd%25%C3%A9")
        #expect(try key(derive(Self.body, headers: [("Idempotency-Key", "A-z.0_9@+=")])) == "idem:A-z.0_9@+=")
    }

    @Test func reservedWordsCannotImitateMarkers() throws {
        #expect(try key(derive(Self.body, headers: [("Idempotency-Key", "-")])) == "idem:%2D")
        #expect(try key(derive(Self.body, headers: [("Idempotency-Key", "sha256")])) == "idem:%73ha256")
    }

    @Test func longKeysAreHashedAndBounded() throws {
        let long = String(repeating: "x", count: 300)
        let hashed = try key(derive(Self.body, headers: [("Idempotency-Key", long)]))
        // SHA-256 of the full joined key "idem:" + 300 × "x", from `sha256sum`.
        #expect(hashed == "idem:sha256:3aab87381e61aebb5f4127718bf0a47fd474e85ad24db4f15809428e82898b82")
        #expect(hashed.utf8.count <= 200)
        let exactly200 = String(repeating: "y", count: 195)
        #expect(try key(derive(Self.body, headers: [("Idempotency-Key", exactly200)])) == "idem:" + exactly200)
        let encodedLong = String(repeating: "é", count: 40)  // 80 bytes, 240 once encoded
        #expect(try key(derive(Self.body, headers: [("Idempotency-Key", encodedLong)])).hasPrefix("idem:sha256:"))
    }

    @Test func rawBodyRuleIsSHA256OfTheExactBytes() throws {
        let body = Data("plain text, not JSON".utf8)
        let derivation = try derive(body, source: "default", contentType: "text/plain")
        #expect(derivation.rule == .rawBody)
        // `printf 'plain text, not JSON' | sha256sum`
        #expect(try key(derivation) == "sha256:acba08cfa36f4cf7f290614a3eb8c798bcb1fcf0d1fa7e3922e271d40f41026d")
        #expect(derivation.items[0].body == body)
    }

    @Test func rawBodyKeyOfAFixtureMatchesSha256sum() throws {
        // `sha256sum examples/meta-cloud-messages.json`, sent as something that is not JSON.
        let derivation = try derive(Fixtures.data(Fixtures.metaMessages), source: "x", contentType: "application/octet-stream")
        #expect(try key(derivation) == "sha256:5eba0229bad9e485a5b892b4d0ca70ce2bc1fa5c4ea818ce61f12b9b033884e8")
    }
}
