import Deliverer
import Foundation
import Hummingbird
import Logging
import RedisClient

/// The JSON API under `/api/`: what the page shows, for scripts too. Every route sits behind
/// ``AuthMiddleware``.
struct APIController: Sendable {
    let configuration: ConsoleConfiguration
    let redis: RedisClient
    let auth: ConsoleAuth
    let actions: DeadLetterActions
    let logger: Logger

    /// The body of the replay and delete POSTs: dead letters as `SHARD:ID`.
    struct Refs: Decodable {
        var ids: [String]
    }

    struct ActionAnswer: Encodable {
        var action: String
        var done: [String]
        var notFound: [String]

        enum CodingKeys: String, CodingKey {
            case action, done
            case notFound = "not_found"
        }
    }

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("session") { _, _ in
            JSONAnswer.make(["csrf_token": auth.csrfToken, "auth": auth.requiresToken ? "token" : "none"])
        }
        group.get("overview") { request, _ in
            let minutes = Self.intParameter(request, "minutes", default: configuration.windowMinutes, range: 1...(48 * 60))
            return try await answer { () throws(RedisError) in
                JSONAnswer.make(try await Overview.read(redis: redis, configuration: configuration, minutes: minutes))
            }
        }
        group.get("counters") { request, _ in
            let minutes = Self.intParameter(request, "minutes", default: 60, range: 1...(48 * 60))
            return try await answer { () throws(RedisError) in
                let now = try await RedisClock.nowMs(redis, timeout: configuration.redisTimeout)
                return JSONAnswer.make(
                    try await MinuteCounters.read(
                        redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, minutes: minutes, nowMs: now,
                        timeout: configuration.redisTimeout))
            }
        }
        group.get("dead-letters") { request, _ in
            let limit = Self.intParameter(request, "limit", default: 50, range: 1...1000)
            return try await answer { () throws(RedisError) in JSONAnswer.make(try await actions.list(limit: limit)) }
        }
        group.post("dead-letters/replay") { request, context in
            try await act("replay", request: request, context: context) { refs throws(RedisError) in try await actions.replay(refs) }
        }
        group.post("dead-letters/delete") { request, context in
            try await act("delete", request: request, context: context) { refs throws(RedisError) in try await actions.delete(refs) }
        }
        group.get("messages/:source/**") { request, context in
            guard let source = context.parameters.get("source")?.removingPercentEncoding else {
                return JSONAnswer.error(.badRequest, "give /api/messages/SOURCE/KEY")
            }
            let key = context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? String($0) }.joined(separator: "/")
            guard !key.isEmpty else { return JSONAnswer.error(.badRequest, "give /api/messages/SOURCE/KEY") }
            return try await answer { () throws(RedisError) in
                JSONAnswer.make(try await MessageLookup.find(source: source, key: key, redis: redis, configuration: configuration))
            }
        }
    }

    /// Runs a button's action and logs it with what it touched: these are the console's only writes.
    private func act(
        _ action: String, request: Request, context: BasicRequestContext,
        _ body: ([String]) async throws(RedisError) -> (done: [String], notFound: [String])
    ) async throws -> Response {
        guard let refs = try? await request.decode(as: Refs.self, context: context), !refs.ids.isEmpty, refs.ids.count <= 1000 else {
            return JSONAnswer.error(.badRequest, #"the body must be {"ids":["SHARD:ID", ...]} (1 to 1000 ids)"#)
        }
        return try await answer { () throws(RedisError) in
            let (done, notFound) = try await body(refs.ids)
            logger.notice(
                "console: dead letters \(action)",
                metadata: [
                    "done": "\(done.joined(separator: ","))", "not_found": "\(notFound.joined(separator: ","))",
                    "user_agent": "\(request.headers[.userAgent] ?? "")",
                ])
            return JSONAnswer.make(ActionAnswer(action: action, done: done, notFound: notFound))
        }
    }

    /// A Redis failure is a 503 naming the error, not a 500: the console works, Redis does not.
    private func answer(_ body: () async throws(RedisError) -> Response) async throws -> Response {
        do {
            return try await body()
        } catch {
            logger.warning("console: Redis call failed", metadata: ["error": "\(error)"])
            return JSONAnswer.error(.serviceUnavailable, "Redis: \(error)")
        }
    }

    private static func intParameter(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
        guard let text = request.uri.queryParameters[Substring(name)], let number = Int(text) else { return value }
        return min(max(number, range.lowerBound), range.upperBound)
    }
}
