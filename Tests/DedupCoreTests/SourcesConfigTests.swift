import DedupCore
import Foundation
import Testing

@Suite("Sources file parsing")
struct SourcesConfigTests {
    static let yaml = """
        # per-source rules
        sources:
          evolution:
            key: ["/data/key/id", "header:X-Request-Id"]
            ignore: ["/date_time", "/data/messageTimestamp"]
            ttl: 3600
            auth: { type: token, header: X-Webhook-Token, secret_env: EVO_TOKEN }
            rate_limit: { rate: 100, per_seconds: 1, burst: 20 }
          github:
            auth:
              type: github
              secret: gh-secret
          stripe:
            ttl: 600
        """

    static let json = """
        {"sources": {
          "evolution": {
            "key": ["/data/key/id", "header:X-Request-Id"],
            "ignore": ["/date_time", "/data/messageTimestamp"],
            "ttl": 3600,
            "auth": {"type": "token", "header": "X-Webhook-Token", "secret_env": "EVO_TOKEN"},
            "rate_limit": {"rate": 100, "per_seconds": 1, "burst": 20}
          },
          "github": {"auth": {"type": "github", "secret": "gh-secret"}},
          "stripe": {"ttl": 600}
        }}
        """

    static let environment = ["EVO_TOKEN": "evo-token-value"]

    static func expected() throws -> SourcesConfig {
        SourcesConfig(sources: [
            "evolution": SourceRule(
                keyParts: [.pointer(try #require(JSONPointer("/data/key/id"))), .header("X-Request-Id")],
                ignore: [try #require(JSONPointer("/date_time")), try #require(JSONPointer("/data/messageTimestamp"))],
                ttl: 3600,
                auth: AuthRule(kind: .token, header: "X-Webhook-Token", secret: Secret("evo-token-value")),
                rateLimit: RateLimitRule(rate: 100, perSeconds: 1, burst: 20),
                profile: SenderProfile.named("evolution")
            ),
            "github": SourceRule(
                ttl: 259_200, auth: AuthRule(kind: .github, secret: Secret("gh-secret")), profile: SenderProfile.named("github")),
            // Named after a profile, so it has that profile; its own ttl wins over the profile's.
            "stripe": SourceRule(ttl: 600, profile: SenderProfile.named("stripe")),
        ])
    }

    @Test func yamlAndJSONGiveTheSameRules() throws {
        let fromYAML = try SourcesConfig.parse(Self.yaml, format: .yaml, environment: Self.environment)
        let fromJSON = try SourcesConfig.parse(Self.json, format: .json, environment: Self.environment)
        #expect(fromYAML == (try Self.expected()))
        #expect(fromJSON == fromYAML)
        #expect(fromYAML.rule(for: "github")?.auth?.header == "X-Hub-Signature-256")
        #expect(fromYAML.rule(for: "nobody") == nil)
    }

    @Test func formatIsDetectedFromContent() throws {
        #expect(try SourcesConfig.parse(Self.yaml, environment: Self.environment) == (try Self.expected()))
        #expect(try SourcesConfig.parse("  \n" + Self.json, environment: Self.environment) == (try Self.expected()))
    }

    @Test func singleStringKeyAndRateLimitDefaults() throws {
        let config = try SourcesConfig.parse("sources:\n  a:\n    key: /id\n    rate_limit: { rate: 5 }\n", environment: [:])
        let rule = try #require(config.rule(for: "a"))
        #expect(rule.keyParts == [.pointer(try #require(JSONPointer("/id")))])
        #expect(rule.rateLimit == RateLimitRule(rate: 5, perSeconds: 1, burst: 5))
        #expect(rule.rateLimit?.tokensPerSecond == 5)
    }

    @Test func emptySourcesAreAllowed() throws {
        #expect(try SourcesConfig.parse("sources: {}\n", environment: [:]).sources.isEmpty)
        #expect(try SourcesConfig.parse("sources:\n", environment: [:]).sources.isEmpty)
    }

    @Test func standardWebhooksSecretIsDecoded() throws {
        let config = try SourcesConfig.parse(
            "sources:\n  sw:\n    auth: { type: standard-webhooks, secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }\n",
            environment: [:]
        )
        let auth = try #require(config.rule(for: "sw")?.auth)
        #expect(auth.kind == .standardWebhooks)
        #expect(auth == (try AuthRule(kind: .standardWebhooks, configuredSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")))
    }

    @Test func secretsNeverAppearInDescriptions() throws {
        let config = try SourcesConfig.parse(Self.yaml, environment: Self.environment)
        for text in [String(describing: config), String(reflecting: config), "\(config.rule(for: "github")!)"] {
            #expect(!text.contains("evo-token-value"))
            #expect(!text.contains("gh-secret"))
        }
        var dumped = ""
        dump(config, to: &dumped)
        #expect(!dumped.contains("gh-secret"))
        #expect(String(describing: config).contains("<redacted>"))
    }

    @Test func loadPicksTheFormatByExtensionAndNamesTheFile() throws {
        let path = Fixtures.directory.appendingPathComponent(Fixtures.metaMessages).path
        // A webhook body is valid JSON but not a sources file.
        #expect(throws: ConfigError("sources file \(path): unknown top-level field \"object\" (expected: sources, destinations)")) {
            try SourcesConfig.load(path: path, environment: [:])
        }
        #expect(throws: ConfigError("sources file /nonexistent/sources.yaml: cannot read (no such file)")) {
            try SourcesConfig.load(path: "/nonexistent/sources.yaml", environment: [:])
        }
    }

    // MARK: errors

    static func error(
        _ text: String,
        format: SourcesConfig.Format = .yaml,
        origin: String = "/x.yaml",
        environment: [String: String] = [:]
    ) -> String? {
        do {
            _ = try SourcesConfig.parse(text, format: format, origin: origin, environment: environment)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func unknownField() {
        #expect(
            Self.error("sources:\n  evo:\n    keys: [\"/id\"]\n")
                == #"sources file /x.yaml: source "evo": unknown field "keys" (expected one of: profile, key, ignore, ttl, auth, rate_limit, verify_token_env, public_url, drop_apikey, routes)"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    auth: { type: token, secret: s, scheme: bearer }\n")
                == #"sources file /x.yaml: source "evo": unknown field "auth.scheme" (expected one of: type, header, secret, secret_env, secret_file)"#
        )
        #expect(Self.error("source:\n  evo: {}\n") == #"sources file /x.yaml: unknown top-level field "source" (expected: sources, destinations)"#)
    }

    @Test func badPointers() {
        #expect(
            Self.error("sources:\n  evo:\n    key: [\"/data/key/id\", \"data/id\"]\n")
                == #"sources file /x.yaml: source "evo": key[1] "data/id" is not a JSON pointer (must start with /)"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    ignore: [\"/a~2b\"]\n")
                == #"sources file /x.yaml: source "evo": ignore[0] "/a~2b" is not a JSON pointer (~ must be followed by 0 or 1)"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    key: \"\"\n")
                == #"sources file /x.yaml: source "evo": key "" is not a JSON pointer (must start with /)"#)
        #expect(
            Self.error("sources:\n  evo:\n    key: [\"header:\"]\n")
                == #"sources file /x.yaml: source "evo": key[0] "header:" does not name a header (header:NAME)"#)
        #expect(Self.error("sources:\n  evo:\n    key: []\n") == #"sources file /x.yaml: source "evo": key is an empty list (leave it out instead)"#)
    }

    @Test func badAuth() {
        #expect(
            Self.error("sources:\n  evo:\n    auth: { type: hmac, secret: s }\n")
                == #"sources file /x.yaml: source "evo": auth.type "hmac" is not supported (expected one of: token, meta, github, standard-webhooks, stripe, slack, shopify, twilio, square, mercadopago, waha)"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    auth: { type: token, secret_env: EVO_TOKEN }\n")
                == #"sources file /x.yaml: source "evo": auth.secret_env "EVO_TOKEN" is not set"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    auth: { type: token, secret_env: EVO_TOKEN }\n", environment: ["EVO_TOKEN": ""])
                == #"sources file /x.yaml: source "evo": auth.secret_env "EVO_TOKEN" is empty"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    auth: { type: token, secret: a, secret_env: B }\n")
                == #"sources file /x.yaml: source "evo": auth needs exactly one of secret, secret_env, secret_file"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    auth: { secret: a }\n")
                == #"sources file /x.yaml: source "evo": auth.type is required (one of: token, meta, github, standard-webhooks, stripe, slack, shopify, twilio, square, mercadopago, waha)"#
        )
        #expect(
            Self.error("sources:\n  evo:\n    auth: { type: token, secret_file: /nonexistent/token }\n")
                == #"sources file /x.yaml: source "evo": auth.secret_file "/nonexistent/token": cannot read (no such file)"#
        )
        #expect(
            Self.error("sources:\n  sw:\n    auth: { type: standard-webhooks, secret: \"whsec_not base64!\" }\n")
                == #"sources file /x.yaml: source "sw": auth.secret: secret must be "whsec_" followed by base64"#
        )
    }

    @Test func badValues() {
        #expect(Self.error("sources:\n  evo:\n    ttl: 0\n") == #"sources file /x.yaml: source "evo": ttl must be a positive integer, got 0"#)
        #expect(
            Self.error("sources:\n  evo:\n    ttl: \"3600\"\n")
                == #"sources file /x.yaml: source "evo": ttl must be a positive integer, got a string"#)
        #expect(
            Self.error("sources:\n  evo:\n    rate_limit: { burst: 3 }\n") == #"sources file /x.yaml: source "evo": rate_limit.rate is required"#
        )
        #expect(
            Self.error("sources:\n  \"bad name\":\n    ttl: 1\n")
                == #"sources file /x.yaml: source name "bad name" is not valid (1-64 of A-Za-z0-9._-, as in /webhook/{source})"#
        )
        #expect(Self.error("- a\n- b\n") == #"sources file /x.yaml: expected a mapping with a "sources" field, got a list"#)
        #expect(Self.error("sources:\n  evo:\n    ttl: 1\n  evo:\n    ttl: 2\n")?.hasPrefix(#"sources file /x.yaml: duplicate field "evo""#) == true)
    }

    @Test func duplicateFieldsInJSON() {
        #expect(
            Self.error(#"{"sources": {"a": {"ttl": 1, "ttl": 2}}}"#, format: .json, origin: "/x.json")
                == #"sources file /x.json: duplicate field "ttl""#
        )
    }

    @Test func syntaxErrorsDoNotEchoTheFile() throws {
        let message = try #require(Self.error("sources:\n  evo:\n    auth: { type: token, secret: \"hunter2\n"))
        #expect(message.hasPrefix("sources file /x.yaml: invalid YAML: "))
        #expect(message.contains("line"))
        #expect(!message.contains("hunter2"))
        let jsonMessage = try #require(Self.error(#"{"sources": {"a": {"auth": {"secret": "hunter2"}}"#, format: .json, origin: "/x.json"))
        #expect(jsonMessage.hasPrefix("sources file /x.json: invalid JSON"))
        #expect(!jsonMessage.contains("hunter2"))
    }
}
