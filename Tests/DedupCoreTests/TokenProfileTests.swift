import DedupCore
import Foundation
import Testing

/// The gitlab, telegram and github profiles: a token header (GitLab, Telegram) or GitHub's
/// signature, and a key from the sender's delivery id.
@Suite("Sender profiles: gitlab, telegram, github")
struct TokenProfileTests {
    let verifier = AuthVerifier()
    let now = Date()

    @Test func gitlabTokenAndKey() throws {
        let sources = try SourcesConfig.parse("sources:\n  gitlab:\n    auth: { secret_env: GITLAB_TOKEN }\n", environment: ["GITLAB_TOKEN": "glt"])
        let auth = try #require(sources.rule(for: "gitlab")?.auth)
        #expect(auth.kind == .token)
        #expect(auth.header == "X-Gitlab-Token")
        let body = try Fixtures.data("gitlab-push.json")
        #expect(verifier.verify(rule: auth, headers: [("X-Gitlab-Token", "glt")], body: body, now: now))
        #expect(!verifier.verify(rule: auth, headers: [("X-Gitlab-Token", "glt2")], body: body, now: now))
        #expect(!verifier.verify(rule: auth, headers: [("Authorization", "glt")], body: body, now: now))

        let deriver = KeyDeriver(sources: sources)
        let uuid = ("X-Gitlab-Event-UUID", "13792a34-cac6-4fda-95a8-c58e00a3954e")
        let both = try deriver.derive(request(body, source: "gitlab", headers: [("Idempotency-Key", "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"), uuid]))
        #expect(both.items.map(\.key) == ["gitlab:f5e5f430-f57b-4e6e-9fac-d9128cd7232f"])
        let older = try deriver.derive(request(body, source: "gitlab", headers: [uuid, ("X-Gitlab-Webhook-UUID", "a")]))
        #expect(older.items.map(\.key) == ["gitlab:13792a34-cac6-4fda-95a8-c58e00a3954e"])
        #expect(older.ttl == 259_200)
    }

    @Test func telegramTokenAndKeyWithTheBotFromThePath() throws {
        let sources = try SourcesConfig.parse("sources:\n  telegram:\n    auth: { secret: tg-secret_1 }\n", environment: [:])
        let auth = try #require(sources.rule(for: "telegram")?.auth)
        #expect(auth.header == "X-Telegram-Bot-Api-Secret-Token")
        let body = try Fixtures.data("telegram-update.json")
        #expect(verifier.verify(rule: auth, headers: [("X-Telegram-Bot-Api-Secret-Token", "tg-secret_1")], body: body, now: now))
        #expect(!verifier.verify(rule: auth, headers: [("X-Telegram-Bot-Api-Secret-Token", "tg-secret_2")], body: body, now: now))

        let deriver = KeyDeriver(sources: sources)
        let first = try deriver.derive(request(body, source: "telegram", path: "/support_bot"))
        #expect(first.rule == .profile)
        #expect(first.items.map(\.key) == ["telegram:support_bot:10000"])
        // update_id counts per bot: another bot's update 10000 is another message.
        #expect(try deriver.derive(request(body, source: "telegram", path: "/sales_bot")).items.map(\.key) == ["telegram:sales_bot:10000"])
        #expect(try deriver.derive(request(body, source: "telegram")).items.map(\.key) == ["telegram:10000"])
        #expect(first.ttl == 86_400)
    }

    /// A redelivery keeps `X-GitHub-Delivery`; the profile sets the signature type and a 3-day window.
    @Test func githubKeyAndWindow() throws {
        let sources = try SourcesConfig.parse("sources:\n  github:\n    auth: { secret: gh }\n", environment: [:])
        #expect(sources.rule(for: "github")?.auth?.kind == .github)
        let derivation = try KeyDeriver(sources: sources).derive(
            request(Data(#"{"zen":"Keep it logically awesome."}"#.utf8), source: "github", headers: [("X-GitHub-Delivery", "72d3162e")]))
        #expect(derivation.items.map(\.key) == ["github:72d3162e"])
        #expect(derivation.ttl == 259_200)
    }
}
