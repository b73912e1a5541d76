import DedupCore
import Foundation
import Testing

/// The sources-file contract for sender profiles, and the profile list.
@Suite("Sender profiles in the sources file")
struct SenderProfileConfigTests {
    /// The contract's own example.
    @Test func theContractExampleLoads() throws {
        let sources = try SourcesConfig.parse(
            """
            sources:
              stripe:
                profile: stripe                              # key rule + signature scheme
                auth: { secret_env: STRIPE_WEBHOOK_SECRET }  # type comes from the profile
                ttl: 259200
              meta:
                profile: meta
                auth: { secret_env: META_APP_SECRET }
                verify_token_env: META_VERIFY_TOKEN          # GET hub.challenge handshake
              twilio:
                profile: twilio
                auth: { secret_env: TWILIO_AUTH_TOKEN }
                public_url: https://hooks.example.com/webhook/twilio
            """,
            environment: ["STRIPE_WEBHOOK_SECRET": "whsec_x", "META_APP_SECRET": "m", "META_VERIFY_TOKEN": "v", "TWILIO_AUTH_TOKEN": "t"])
        #expect(sources.rule(for: "stripe")?.auth?.kind == .stripe)
        #expect(sources.rule(for: "stripe")?.ttl == 259_200)
        #expect(sources.rule(for: "meta")?.auth?.kind == .meta)
        #expect(sources.rule(for: "meta")?.verifyToken == Secret("v"))
        #expect(sources.rule(for: "twilio")?.auth?.kind == .twilio)
        #expect(sources.rule(for: "twilio")?.auth?.publicURL == "https://hooks.example.com/webhook/twilio")
    }

    /// Every profile name the contract lists exists, and a source named after it gets it.
    @Test(arguments: [
        "evolution", "meta", "waha", "zapi", "stripe", "shopify", "slack", "telegram", "twilio", "sendgrid", "square", "mercadopago",
        "gitlab", "github", "standard-webhooks", "svix",
    ])
    func everyContractProfileExists(name: String) throws {
        let profile = try #require(SenderProfile.named(name))
        #expect(profile.name == name)
        #expect(SourcesConfig().rule(for: name) == SourceRule(profile: profile))
        #expect(try SourcesConfig.parse("sources:\n  x:\n    profile: \(name)\n", environment: [:]).rule(for: "x")?.profile == profile)
    }

    /// A listed source keeps its own rule even when it is named after a profile.
    @Test func aListedSourceNamedAfterAProfileKeepsItsRule() throws {
        let config = try SourcesConfig.parse("sources:\n  stripe:\n    ttl: 60\n", environment: [:])
        #expect(config.rule(for: "stripe")?.ttl == 60)
        #expect(SourcesConfig().rule(for: "stripe")?.ttl == 259_200)
    }

    @Test func aSourceWithoutAProfileNameGetsNone() throws {
        #expect(SourcesConfig().rule(for: "payments") == nil)
        #expect(SenderProfile.all.count == 16)
        #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  x:\n    profile: [stripe]\n", environment: [:]) }
    }
}
