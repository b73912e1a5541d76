import DedupCore
import Foundation
import Testing

/// The meta profile: the built-in Meta key rule, `X-Hub-Signature-256`, a 7-day window and the GET
/// subscribe handshake (``MetaSubscribe``).
@Suite("Sender profile: meta")
struct MetaProfileTests {
    static let token = Secret("my-verify-token")

    static func query(_ pairs: (String, String)...) -> [(name: String, value: String)] {
        pairs.map { (name: $0.0, value: $0.1) }
    }

    @Test func subscribeAnswersTheChallengeOnlyForTheRightToken() {
        let good = Self.query(("hub.mode", "subscribe"), ("hub.verify_token", "my-verify-token"), ("hub.challenge", "1158201444"))
        #expect(MetaSubscribe.challenge(query: good, verifyToken: Self.token) == "1158201444")
        let wrong = Self.query(("hub.mode", "subscribe"), ("hub.verify_token", "my-verify-tokeN"), ("hub.challenge", "1158201444"))
        #expect(MetaSubscribe.challenge(query: wrong, verifyToken: Self.token) == nil)
        #expect(MetaSubscribe.challenge(query: good, verifyToken: nil) == nil)
        let otherMode = Self.query(("hub.mode", "unsubscribe"), ("hub.verify_token", "my-verify-token"), ("hub.challenge", "1"))
        #expect(MetaSubscribe.challenge(query: otherMode, verifyToken: Self.token) == nil)
        #expect(MetaSubscribe.challenge(query: Array(good.prefix(2)), verifyToken: Self.token) == nil)
        #expect(MetaSubscribe.challenge(query: Array(good.dropFirst()), verifyToken: Self.token) == nil)
        #expect(MetaSubscribe.challenge(query: [], verifyToken: Self.token) == nil)
    }

    @Test func verifyTokenAndSignatureComeFromTheSourcesFile() throws {
        let sources = try SourcesConfig.parse(
            """
            sources:
              meta:
                auth: { secret_env: META_APP_SECRET }
                verify_token_env: META_VERIFY_TOKEN
              whatsapp:
                profile: meta
            """, environment: ["META_APP_SECRET": "app-secret", "META_VERIFY_TOKEN": "my-verify-token"])
        let meta = try #require(sources.rule(for: "meta"))
        #expect(meta.auth?.kind == .meta)
        #expect(meta.auth?.header == "X-Hub-Signature-256")
        #expect(meta.verifyToken == Self.token)
        #expect(meta.ttl == 604_800)
        #expect(meta.profile?.handshake == .metaSubscribe)
        #expect(sources.rule(for: "whatsapp")?.verifyToken == nil)
        let unset = #expect(throws: ConfigError.self) {
            try SourcesConfig.parse("sources:\n  meta:\n    verify_token_env: NOPE\n", environment: [:])
        }
        #expect(unset?.message == #"sources file: source "meta": verify_token_env "NOPE" is not set"#)
    }

    /// Meta resends a failed notification unchanged; the built-in Meta rule keys it by `wamid`.
    @Test func keyIsTheBuiltInMetaRule() throws {
        let body = try Fixtures.data(Fixtures.metaMessages)
        let derivation = try KeyDeriver().derive(request(body, source: "meta"))
        #expect(derivation.rule == .meta)
        #expect(derivation.ttl == 604_800)
        #expect(derivation.items.allSatisfy { $0.key.hasPrefix("meta:msg:") })
    }
}
