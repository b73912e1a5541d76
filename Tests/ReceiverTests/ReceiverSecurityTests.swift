import Crypto
import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

@Suite("Receiver auth and rate limits against a real Redis", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverSecurityTests {
    @Test func twoReceiversTogetherNeverAcceptMoreThanTheLimit() async throws {
        // 5 requests per 2 s with a burst of 5, shared by two receivers through Redis.
        let sources = try SourcesConfig.parse(
            #"{"sources": {"limited": {"rate_limit": {"rate": 5, "per_seconds": 2, "burst": 5}}}}"#, format: .json)
        let configuration = ReceiverTest.configuration { $0.sources = sources }
        let redis = try ReceiverTest.redis()
        defer { redis.close() }
        let first = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        let second = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)

        let start = ContinuousClock.now
        async let a = post(count: 20, to: first)
        async let b = post(count: 20, to: second)
        let statuses = try await a + b
        let elapsed = ContinuousClock.now - start
        let allowed = statuses.filter { $0 == .ok }.count
        let limited = statuses.filter { $0 == .tooManyRequests }.count
        #expect(allowed + limited == 40)
        // burst + refill over the elapsed time (5 per 2 s), never more.
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(allowed >= 5)
        #expect(allowed <= 5 + Int((seconds * 2.5).rounded(.up)))
        // Limited requests recorded nothing: the stream holds only the allowed ones.
        let stream = RedisKeys(prefix: configuration.keyPrefix).stream(shard: 0)
        #expect(try await redis.command("XLEN", .init(stream)).int == allowed)
        await ReceiverTest.deleteAll(prefix: configuration.keyPrefix, redis: redis)
    }

    private func post(count: Int, to app: some ApplicationProtocol) async throws -> [HTTPResponse.Status] {
        try await app.test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<count {
                let body = ByteBuffer(string: #"{"n":""# + UUID().uuidString + #""}"#)
                try await client.execute(uri: "/webhook/limited", method: .post, headers: ReceiverTest.jsonHeaders, body: body) { response in
                    if response.status == .tooManyRequests {
                        #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                        let answer = try Answer(response)
                        #expect(answer.error == "rate_limited")
                    }
                    statuses.append(response.status)
                }
            }
            return statuses
        }
    }

    @Test func signaturesAndTokensAreCheckedAndFailuresWriteNothing() async throws {
        let sources = try SourcesConfig.parse(
            """
            sources:
              meta:
                auth: { type: meta, secret: "app-secret" }
              evo:
                auth: { type: token, header: X-Webhook-Token, secret: "t0ken" }
            """, format: .yaml)
        let configuration = ReceiverTest.configuration { $0.sources = sources }
        let redis = try ReceiverTest.redis()
        defer { redis.close() }
        let app = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        let meta = try ReceiverTest.fixture("meta-cloud-messages.json")
        let signature = HMAC<SHA256>.authenticationCode(for: meta, using: SymmetricKey(data: Data("app-secret".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        let evolution = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")
        let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!
        let tokenHeader = HTTPField.Name("X-Webhook-Token")!

        try await app.test(.router) { client in
            var headers = ReceiverTest.jsonHeaders
            headers[signatureHeader] = "sha256=" + String(repeating: "0", count: 64)
            try await client.execute(uri: "/webhook/meta", method: .post, headers: headers, body: ByteBuffer(bytes: meta)) {
                #expect($0.status == .unauthorized)
                let answer = try Answer($0)
                #expect(answer.error == "unauthorized")
            }
            try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: evolution)) {
                #expect($0.status == .unauthorized)
            }
        }
        #expect(try await ReceiverTest.keys(prefix: configuration.keyPrefix, redis: redis).isEmpty)

        try await app.test(.router) { client in
            var headers = ReceiverTest.jsonHeaders
            headers[signatureHeader] = "sha256=" + signature
            try await client.execute(uri: "/webhook/meta", method: .post, headers: headers, body: ByteBuffer(bytes: meta)) {
                #expect($0.status == .ok)
            }
            headers = ReceiverTest.jsonHeaders
            headers[tokenHeader] = "t0ken"
            try await client.execute(uri: "/webhook/evo", method: .post, headers: headers, body: ByteBuffer(bytes: evolution)) {
                #expect($0.status == .ok)
            }
        }
        // The token is for this gateway only: it is not forwarded downstream.
        let stream = RedisKeys(prefix: configuration.keyPrefix).stream(shard: 0)
        let entries = try #require(try await redis.command("XRANGE", .init(stream), "-", "+").array)
        #expect(entries.count == 2)
        let fields = try #require(entries.last?.array?[1].array)
        let headersIndex = try #require(fields.firstIndex { $0.string == "headers" })
        let forwarded = fields[headersIndex + 1].string ?? ""
        #expect(!forwarded.contains("t0ken"))
        await ReceiverTest.deleteAll(prefix: configuration.keyPrefix, redis: redis)
    }
}
