import Deliverer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import RedisClient

/// The page and its assets (embedded, no CDN), the login form's endpoints, `/healthz` and `/metrics`.
/// The page holds no data: it fetches everything from `/api/`, so it is served without the token and
/// shows the login form when the API answers 401.
struct PageController: Sendable {
    let configuration: ConsoleConfiguration
    let redis: RedisClient
    let auth: ConsoleAuth
    let logger: Logger

    /// The page may load only its own script and style, and may not be framed (the buttons must not be
    /// clickable through someone else's page).
    static let pageHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.asset(ConsolePage.html, type: "text/html; charset=utf-8") }
        router.get("console.css") { _, _ in Self.asset(ConsoleStyle.css, type: "text/css; charset=utf-8") }
        router.get("console.js") { _, _ in Self.asset(ConsoleScript.js, type: "text/javascript; charset=utf-8") }
        router.get("healthz") { _, _ in JSONAnswer.make(["status": "ok"]) }
        router.get("metrics") { _, _ in
            do {
                let now = try await RedisClock.nowMs(redis, timeout: configuration.redisTimeout)
                let (delivery, backlog) = try await Overview.readDelivery(redis: redis, configuration: configuration, nowMs: now)
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: MetricsText.render(delivery: delivery, backlog: backlog))))
            } catch {
                // No sample rather than stale ones: Prometheus marks the scrape failed and `up` says so.
                return JSONAnswer.error(.serviceUnavailable, "Redis: \(error)")
            }
        }
        router.post("login") { request, _ in
            let form = (try? await request.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            let token = Self.formValue("token", in: form) ?? ""
            guard auth.requiresToken, let session = auth.sessionValue else { return Self.redirect(to: "/") }
            guard auth.isToken(token) else {
                logger.warning("console: failed login")
                return Self.redirect(to: "/#login-failed")
            }
            logger.notice("console: login")
            var response = Self.redirect(to: "/")
            response.headers[.setCookie] = "\(ConsoleAuth.cookieName)=\(session); Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"
            return response
        }
        router.post("logout") { _, _ in
            var response = Self.redirect(to: "/")
            response.headers[.setCookie] = "\(ConsoleAuth.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            return response
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        var headers = pageHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// One field of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in form: String) -> String? {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
