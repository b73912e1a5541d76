import DedupCore
import Foundation
import Testing

@Suite("Sources file: destinations and routes")
struct RoutingConfigTests {
    static let yaml = """
        destinations:
          bot:
            url: http://bot:3000/hooks
            headers: { X-Bot-Token: { secret_env: BOT_TOKEN }, X-Team: support }
            timeout_ms: 10000
            max_attempts: 10
            retry: { base_ms: 500, max_ms: 60000 }
            concurrency: 16
            rate: { per_second: 50, burst: 100 }
            final_statuses: [400, 401, 403, 404, 410, 422]
          n8n:
            url: http://n8n:5678/webhook/evolution
        sources:
          evolution:
            routes:
              - to: bot
                events: [messages.upsert, send.message]
                match:
                  - { pointer: /data/key/fromMe, equals: false }
              - to: n8n
        """

    static func parse(_ text: String, environment: [String: String] = ["BOT_TOKEN": "t0ken"]) throws -> SourcesConfig {
        try SourcesConfig.parse(text, format: .yaml, origin: "/etc/wd/sources.yaml", environment: environment)
    }

    static func error(_ text: String, environment: [String: String] = ["BOT_TOKEN": "t0ken"]) -> String? {
        do {
            _ = try parse(text, environment: environment)
            return nil
        } catch {
            return (error as? ConfigError)?.message
        }
    }

    @Test("Every destination field and a source's routes are read")
    func parsesTheExample() throws {
        let config = try Self.parse(Self.yaml)
        #expect(config.destinations.map(\.name) == ["bot", "n8n"])
        let bot = config.destinations[0]
        #expect(bot.url == "http://bot:3000/hooks")
        #expect(bot.headers.map(\.name) == ["X-Bot-Token", "X-Team"])
        #expect(bot.headers[0].value.revealedText == "t0ken")
        #expect("\(bot.headers[0].value)" == "<redacted>")
        #expect(bot.timeoutMs == 10000)
        #expect(bot.maxAttempts == 10)
        #expect(bot.retryBaseMs == 500 && bot.retryMaxMs == 60000)
        #expect(bot.concurrency == 16)
        #expect(bot.rate == RateLimitRule(rate: 50, perSeconds: 1, burst: 100))
        #expect(bot.finalStatuses == [400, 401, 403, 404, 410, 422])
        let n8n = config.destinations[1]
        #expect(n8n.headers.isEmpty && n8n.rate == nil && n8n.finalStatuses == nil && n8n.concurrency == nil)
        let routes = try #require(config.sources["evolution"]?.routes)
        #expect(routes.map(\.destination) == ["bot", "n8n"])
        #expect(routes[0].events == ["messages.upsert", "send.message"])
        #expect(routes[0].conditions.count == 1)
        #expect(routes[1].events == nil && routes[1].conditions.isEmpty)
    }

    @Test("The same file in JSON gives the same configuration")
    func jsonMatchesYAML() throws {
        let json = """
            {"destinations": {
               "bot": {"url": "http://bot:3000/hooks", "headers": {"X-Bot-Token": {"secret_env": "BOT_TOKEN"}, "X-Team": "support"},
                       "timeout_ms": 10000, "max_attempts": 10, "retry": {"base_ms": 500, "max_ms": 60000}, "concurrency": 16,
                       "rate": {"per_second": 50, "burst": 100}, "final_statuses": [400, 401, 403, 404, 410, 422]},
               "n8n": {"url": "http://n8n:5678/webhook/evolution"}},
             "sources": {"evolution": {"routes": [
               {"to": "bot", "events": ["messages.upsert", "send.message"], "match": [{"pointer": "/data/key/fromMe", "equals": false}]},
               {"to": "n8n"}]}}}
            """
        let fromJSON = try SourcesConfig.parse(json, format: .json, environment: ["BOT_TOKEN": "t0ken"])
        #expect(fromJSON == (try Self.parse(Self.yaml)))
    }

    @Test(
        "Mistakes stop start-up with one line naming the file, the place and the problem",
        arguments: [
            (
                "destinations:\n  bot: { url: ftp://bot }\nsources: {}",
                "sources file /etc/wd/sources.yaml: destination \"bot\": url must be an http:// or https:// URL"
            ),
            (
                "destinations:\n  bot: { url: http://bot, concurency: 4 }",
                "sources file /etc/wd/sources.yaml: destination \"bot\": unknown field \"destination.concurency\" (expected one of: url, headers, timeout_ms, max_attempts, retry, concurrency, rate, final_statuses"
            ),
            (
                "destinations:\n  bot: { url: http://bot, rate: { burst: 5 } }",
                "sources file /etc/wd/sources.yaml: destination \"bot\": rate.per_second is required"
            ),
            (
                "destinations:\n  bot: { url: http://bot, retry: { base_ms: 900, max_ms: 100 } }",
                "sources file /etc/wd/sources.yaml: destination \"bot\": retry.max_ms 100 must not be below retry.base_ms 900"
            ),
            (
                "destinations:\n  bot: { url: http://bot, final_statuses: [200] }",
                "sources file /etc/wd/sources.yaml: destination \"bot\": final_statuses[0] must be a whole number from 300 to 599, got 200"
            ),
            (
                "destinations:\n  bot: { url: http://bot, headers: { X-Token: { secret_env: MISSING } } }",
                "sources file /etc/wd/sources.yaml: destination \"bot\": headers.X-Token.secret_env \"MISSING\" is not set"
            ),
            (
                "destinations:\n  \"bot:1\": { url: http://bot }",
                "sources file /etc/wd/sources.yaml: destination name \"bot:1\" is not valid (1-64 of A-Za-z0-9._-)"
            ),
            (
                "destinations:\n  bot: { url: http://bot }\nsources:\n  evo: { routes: [ { to: crm } ] }",
                "sources file /etc/wd/sources.yaml: source \"evo\": routes[0].to \"crm\" is not a destination (expected one of: bot)"
            ),
            (
                "destinations:\n  bot: { url: http://bot }\nsources:\n  evo: { ttl: 60 }",
                "sources file /etc/wd/sources.yaml: source \"evo\": has no routes and no destination is called \"default\" (add routes: or a default destination)"
            ),
            (
                "sources:\n  evo: { routes: [ { to: bot } ] }",
                "sources file /etc/wd/sources.yaml: source \"evo\": routes need a destinations: section"
            ),
            (
                "destinations:\n  bot: { url: http://bot }\nsources:\n  evo: { routes: [ { to: bot, match: [ { pointer: data, equals: 1 } ] } ] }",
                "sources file /etc/wd/sources.yaml: source \"evo\": routes[0].match[0].pointer \"data\" is not a JSON pointer (must start with /)"
            ),
            (
                "destinations:\n  bot: { url: http://bot }\nsources:\n  evo: { routes: [ { to: bot, match: [ { pointer: /a, equals: 1, exists: true } ] } ] }",
                "sources file /etc/wd/sources.yaml: source \"evo\": routes[0].match[0] needs exactly one of equals, in, exists"
            ),
            (
                "destinations:\n  bot: { url: http://bot }\nsources:\n  evo: { routes: [ { to: bot, filter: x } ] }",
                "sources file /etc/wd/sources.yaml: source \"evo\": unknown field \"routes[0].filter\" (expected one of: to, events, match, headers)"
            ),
        ])
    func rejects(text: String, message: String) {
        // A prefix: the list of a destination's fields grows with features.
        let error = Self.error(text)
        #expect(error?.hasPrefix(message) == true, "\(error ?? "no error")")
    }

    @Test("A secret header value never appears in an error or a dump")
    func secretsStayHidden() throws {
        let config = try Self.parse(Self.yaml)
        var dumped = ""
        dump(config, to: &dumped)
        #expect(!dumped.contains("t0ken"))
        #expect(!"\(config)".contains("t0ken"))
    }
}
