import Hummingbird
import Logging

/// Guards `/api/`: 401 without the token (or session cookie); on a POST, 403 without the CSRF token.
/// The check runs before any handler, so no route can forget it.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: ConsoleAuth
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard auth.isAuthenticated(request.headers) else {
            return JSONAnswer.error(.unauthorized, "the console token is required (Authorization: Bearer TOKEN, or log in)")
        }
        if request.method != .get && request.method != .head && !auth.hasCSRFToken(request.headers) {
            logger.warning("console: refused a POST without the CSRF token", metadata: ["path": "\(request.uri.path)"])
            return JSONAnswer.error(.forbidden, "missing or wrong X-CSRF-Token (GET /api/session gives it)")
        }
        return try await next(request, context)
    }
}
