import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RedisClient
import Testing

/// The console's locks: the token on every `/api/` route and button, the CSRF token on the buttons,
/// and the refusal to listen beyond loopback without a token.
@Suite(.enabled(if: ConsoleTest.redisAvailable, ConsoleTest.skipReason))
struct ConsoleAuthTests {
    static let getRoutes = [
        "/api/session", "/api/overview", "/api/counters", "/api/dead-letters", "/api/messages/evolution/some-key",
    ]
    static let buttons = ["/api/dead-letters/replay", "/api/dead-letters/delete"]

    @Test func everyRouteAndButtonIs401WithoutTheToken() async throws {
        try await ConsoleTest.withConsole { client, prefix, redis in
            let ref = try await ConsoleTest.addDeadLetter(prefix: prefix, redis: redis)
            let wrong: HTTPFields = [.authorization: "Bearer not-the-token-at-all"]
            let badCookie: HTTPFields = [.cookie: "\(ConsoleAuth.cookieName)=0123abcd"]
            for headers in [HTTPFields(), wrong, badCookie] {
                for route in Self.getRoutes {
                    let status = try await client.execute(uri: route, method: .get, headers: headers) { $0.status }
                    #expect(status == .unauthorized, "\(route) with \(headers)")
                }
                var post = headers
                post[.contentType] = "application/json"
                post[ConsoleAuth.csrfHeader] = ConsoleAuth(token: ConsoleTest.token).csrfToken
                for route in Self.buttons {
                    let status = try await client.execute(
                        uri: route, method: .post, headers: post, body: ByteBuffer(string: #"{"ids":["\#(ref)"]}"#)
                    ) { $0.status }
                    #expect(status == .unauthorized, "\(route) with \(headers)")
                }
            }
            // Nothing was replayed or deleted.
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:dead")).int == 1)
            for route in Self.getRoutes {
                let status = try await client.execute(uri: route, method: .get, headers: ConsoleTest.bearer) { $0.status }
                #expect(status == .ok, "\(route) with the token")
            }
        }
    }

    @Test func buttonsWithoutTheCSRFTokenAreRefused() async throws {
        try await ConsoleTest.withConsole { client, prefix, redis in
            let ref = try await ConsoleTest.addDeadLetter(prefix: prefix, redis: redis)
            for route in Self.buttons {
                for value in [nil, "wrong-csrf-token"] {
                    var headers = ConsoleTest.bearer
                    headers[.contentType] = "application/json"
                    if let value { headers[ConsoleAuth.csrfHeader] = value }
                    let response = try await client.execute(
                        uri: route, method: .post, headers: headers, body: ByteBuffer(string: #"{"ids":["\#(ref)"]}"#)
                    ) { $0 }
                    #expect(response.status == .forbidden, "\(route) with CSRF \(value ?? "none")")
                }
            }
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:dead")).int == 1)
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:stream")).int == 0)

            // The same POST with the console's CSRF token goes through.
            let replayed = try await ConsoleTest.press("replay", [ref], client: client)
            #expect(replayed["done"] as? [String] == [ref])
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:dead")).int == 0)
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:stream")).int == 1)
        }
    }

    @Test func loginFormSetsACookieThatOpensTheAPI() async throws {
        try await ConsoleTest.withConsole { client, _, _ in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let failed = try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=wrong")) { $0 }
            #expect(failed.status == .seeOther)
            #expect(failed.headers[.setCookie] == nil)
            let login = try await client.execute(
                uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(ConsoleTest.token)")
            ) { $0 }
            let setCookie = try #require(login.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            #expect(!setCookie.contains(ConsoleTest.token), "the cookie must not carry the token itself")
            let cookie = String(setCookie.prefix { $0 != ";" })
            let status = try await client.execute(uri: "/api/overview", method: .get, headers: [.cookie: cookie]) { $0.status }
            #expect(status == .ok)
        }
    }

    @Test func thePageIsServedWithoutDataAndWithoutExternalAssets() async throws {
        try await ConsoleTest.withConsole { client, _, _ in
            let page = try await client.execute(uri: "/", method: .get) { $0 }
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(page.text.contains("/console.js") && !page.text.contains("://"), "the page names only its own assets")
            for asset in ["/console.js", "/console.css"] {
                let text = try await client.execute(uri: asset, method: .get) { $0.text }
                #expect(!text.contains("https://"), "\(asset) loads nothing from elsewhere")
            }
        }
    }

    @Test func aNonLoopbackHostNeedsAToken() throws {
        var configuration = ConsoleConfiguration()
        configuration.host = "0.0.0.0"
        #expect(throws: ConsoleConfigurationError.self) { try configuration.validate() }
        configuration.token = "short"
        #expect(throws: ConsoleConfigurationError.self) { try configuration.validate() }
        configuration.token = ConsoleTest.token
        #expect(throws: Never.self) { try configuration.validate() }
        configuration.host = "127.0.0.1"
        configuration.token = nil
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
