import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import TestSupport
import Testing

@Suite("Receiver against a real Redis", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverIntegrationTests {
    @Test func firstPostIsAcceptedAndTheResendIsADuplicate() async throws {
        let configuration = ReceiverTest.configuration()
        let redis = try ReceiverTest.redis()
        defer { redis.close() }
        let app = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        let original = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")
        let resent = try ReceiverTest.fixture("evolution-v2-messages-upsert-resent.json")

        let (first, second) = try await app.test(.live) { client in
            var headers = ReceiverTest.jsonHeaders
            headers[HTTPField.Name("X-Custom-Trace")!] = "abc"
            let first = try await client.execute(
                uri: "/webhook/evolution/messages-upsert", method: .post, headers: headers, body: ByteBuffer(bytes: original)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Dedup-Status")!] == "accepted")
                return try Answer(response)
            }
            let second = try await client.execute(
                uri: "/webhook/evolution/messages-upsert", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: resent)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Dedup-Status")!] == "duplicate")
                return try Answer(response)
            }
            return (first, second)
        }
        #expect(first.status == "accepted")
        #expect(second.status == "duplicate")
        let key = try #require(first.key)
        #expect(second.key == key)
        #expect(second.id == first.id)

        // What redis-cli shows: the seen key with its TTL and JSON value, and the stream entry.
        let seenKey = RedisKeys(prefix: configuration.keyPrefix).seen(shard: 0, source: "evolution", key: key)
        let ttl = try await redis.command("TTL", .init(seenKey)).int ?? -1
        #expect(ttl > 0 && ttl <= configuration.dedupTTL)
        let seen = try #require(try await redis.command("GET", .init(seenKey)).bytes)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(seen)) as? [String: Any])
        #expect(record["id"] as? String == first.id)
        #expect(record["by"] as? String == "test-receiver")
        #expect((record["at"] as? NSNumber)?.int64Value ?? 0 > 1_700_000_000_000)

        let stream = RedisKeys(prefix: configuration.keyPrefix).stream(shard: 0)
        #expect(try await redis.command("XLEN", .init(stream)).int == 1)
        let entries = try #require(try await redis.command("XRANGE", .init(stream), "-", "+").array)
        let entry = try #require(entries.first?.array)
        #expect(entry[0].string == first.id)
        let fields = try #require(entry[1].array)
        var map: [String: [UInt8]] = [:]
        for index in stride(from: 0, to: fields.count, by: 2) {
            map[fields[index].string ?? ""] = fields[index + 1].bytes
        }
        #expect(
            fields.compactMap(\.string).enumerated().filter { $0.offset % 2 == 0 }.map(\.element) == [
                "key", "source", "path", "received_at", "receiver", "content_type", "headers", "body",
            ])
        #expect(map["key"].map { String(decoding: $0, as: UTF8.self) } == key)
        #expect(map["source"].map { String(decoding: $0, as: UTF8.self) } == "evolution")
        #expect(map["path"].map { String(decoding: $0, as: UTF8.self) } == "/messages-upsert")
        #expect(map["receiver"].map { String(decoding: $0, as: UTF8.self) } == "test-receiver")
        #expect(map["content_type"].map { String(decoding: $0, as: UTF8.self) } == "application/json")
        #expect(map["body"] == Array(original))
        let headers = try #require(try JSONSerialization.jsonObject(with: Data(map["headers"] ?? [])) as? [String: String])
        #expect(headers["x-custom-trace"] == "abc")
        #expect(headers["content-length"] == nil)
        await ReceiverTest.deleteAll(prefix: configuration.keyPrefix, redis: redis)
    }

    @Test func hundredConcurrentPostsOfOneMessageGiveExactlyOneAccepted() async throws {
        let configuration = ReceiverTest.configuration()
        let redis = try ReceiverTest.redis()
        defer { redis.close() }
        let app = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        let body = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")
        let answers = try await app.test(.live) { client in
            try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await client.execute(
                            uri: "/webhook/evolution", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)
                        ) { response in
                            #expect(response.status == .ok)
                            return try Answer(response)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(answers.count == 100)
        #expect(answers.filter { $0.status == "accepted" }.count == 1)
        #expect(answers.filter { $0.status == "duplicate" }.count == 99)
        #expect(Set(answers.compactMap(\.id)).count == 1)
        let stream = RedisKeys(prefix: configuration.keyPrefix).stream(shard: 0)
        #expect(try await redis.command("XLEN", .init(stream)).int == 1)
        await ReceiverTest.deleteAll(prefix: configuration.keyPrefix, redis: redis)
    }

    @Test func rejectedRequestsWriteNothing() async throws {
        let configuration = ReceiverTest.configuration { $0.maxBodyBytes = 1_000 }
        let redis = try ReceiverTest.redis()
        defer { redis.close() }
        let app = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/webhook/evolution", method: .post, headers: ReceiverTest.jsonHeaders,
                body: ByteBuffer(string: "{\"event\": \"messages.upsert\",")
            ) { response in
                #expect(response.status == .badRequest)
                let answer = try Answer(response)
                #expect(answer.error == "invalid_json")
            }
            try await client.execute(
                uri: "/webhook/evolution", method: .post, headers: ReceiverTest.jsonHeaders,
                body: ByteBuffer(string: "{\"pad\":\"" + String(repeating: "x", count: 2_000) + "\"}")
            ) { response in
                #expect(response.status == .contentTooLarge)
                let answer = try Answer(response)
                #expect(answer.error == "body_too_large")
            }
            try await client.execute(
                uri: "/webhook/" + String(repeating: "s", count: 65), method: .post, headers: ReceiverTest.jsonHeaders,
                body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/webhook/bad%20source", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await ReceiverTest.keys(prefix: configuration.keyPrefix, redis: redis).isEmpty)
    }

    @Test func metaBatchWithOneSeenAndOneNewItemIsPartial() async throws {
        let configuration = ReceiverTest.configuration()
        let redis = try ReceiverTest.redis()
        defer { redis.close() }
        let app = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        @Sendable func metaBody(_ ids: [String]) throws -> ByteBuffer {
            let messages = ids.map {
                ["from": "5521987650001", "id": $0, "timestamp": "1761060000", "type": "text", "text": ["body": "hi"]] as [String: Any]
            }
            let object: [String: Any] = [
                "object": "whatsapp_business_account",
                "entry": [
                    [
                        "id": "104857600000001",
                        "changes": [
                            [
                                "field": "messages",
                                "value": [
                                    "messaging_product": "whatsapp",
                                    "metadata": ["display_phone_number": "5511912340000", "phone_number_id": "109876543210001"],
                                    "contacts": [["profile": ["name": "M"], "wa_id": "5521987650001"]],
                                    "messages": messages,
                                ] as [String: Any],
                            ]
                        ],
                    ] as [String: Any]
                ],
            ]
            return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
        }
        let seenID = "wamid.SEEN\(UUID().uuidString.prefix(6))"
        let newID = "wamid.NEW\(UUID().uuidString.prefix(6))"
        let answer = try await app.test(.router) { client in
            try await client.execute(uri: "/webhook/meta", method: .post, headers: ReceiverTest.jsonHeaders, body: try metaBody([seenID])) {
                let answer = try Answer($0)
                #expect(answer.status == "accepted")
            }
            return try await client.execute(
                uri: "/webhook/meta", method: .post, headers: ReceiverTest.jsonHeaders, body: try metaBody([seenID, newID])
            ) { response in
                #expect(response.headers[HTTPField.Name("X-Dedup-Status")!] == "partial")
                return try Answer(response)
            }
        }
        #expect(answer.status == "partial")
        let items = try #require(answer.items)
        #expect(items.map(\.status) == ["duplicate", "accepted"])
        let stream = RedisKeys(prefix: configuration.keyPrefix).stream(shard: 0)
        let entries = try #require(try await redis.command("XRANGE", .init(stream), "-", "+").array)
        #expect(entries.count == 2)
        // The new entry's body is a Cloud API envelope holding only the new message.
        let fields = try #require(entries.last?.array?[1].array)
        let bodyIndex = try #require(fields.firstIndex { $0.string == "body" })
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(fields[bodyIndex + 1].bytes ?? [])) as? [String: Any])
        let value = (((envelope["entry"] as? [[String: Any]])?.first?["changes"] as? [[String: Any]])?.first?["value"]) as? [String: Any]
        let messages = try #require(value?["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        #expect(messages.first?["id"] as? String == newID)
        #expect(value?["metadata"] != nil)
        await ReceiverTest.deleteAll(prefix: configuration.keyPrefix, redis: redis)
    }

    @Test func healthReadinessAndMetrics() async throws {
        let configuration = ReceiverTest.configuration()
        let redis = try ReceiverTest.redis()
        defer { redis.close() }
        let readiness = Readiness()
        let app = buildReceiverApplication(configuration: configuration, redis: redis, readiness: readiness, logger: ReceiverTest.logger)
        let body = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")
        // Connected first: /readyz allows its PING 1 s, which is not meant to cover a TLS handshake
        // on a loaded machine (the connect has its own, longer timeout).
        #expect(try await redis.command("PING") == .simpleString("PONG"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            for _ in 0..<3 {
                try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"webhook_requests_total{source="evo",outcome="accepted"} 1"#))
                #expect(text.contains(#"webhook_requests_total{source="evo",outcome="duplicate"} 2"#))
                #expect(text.contains(#"webhook_duplicates_by_entry_point_total{source="evo",entry_point="click_to_chat_link"} 2"#))
                #expect(text.contains("webhook_request_duration_seconds_bucket"))
            }
            // Draining: not ready any more, but requests are still served.
            readiness.startDraining()
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)) {
                #expect($0.status == .ok)
            }
        }
        await ReceiverTest.deleteAll(prefix: configuration.keyPrefix, redis: redis)
    }

    @Test func redisDownGives503ThenRecoversWithoutRestart() async throws {
        let server = try RedisServerProcess()
        try await server.start()
        let configuration = ReceiverTest.configuration { $0.redisTimeout = .milliseconds(500) }
        let redis = try ReceiverTest.redis(url: server.url, timeout: .milliseconds(500))
        defer { redis.close() }
        let app = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        let body = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")
        try await app.test(.live) { client in
            try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)) {
                #expect($0.status == .ok)
            }
            await server.stop()
            let other = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "3A9F2C71D04B8E5A6C11", with: "NEWID0001").utf8)
            try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: other)) {
                response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                let answer = try Answer(response)
                #expect(answer.error == "store_unavailable")
                // Not "nothing was recorded": a timeout may fire after Redis ran the script.
                #expect(answer.message?.hasSuffix("a retry is answered as duplicate if this attempt was recorded") == true)
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) {
                #expect(String(buffer: $0.body).contains("\nwebhook_receiver_ready 0"))
            }

            try await server.start()
            var status: HTTPResponse.Status = .serviceUnavailable
            for _ in 0..<50 where status != .ok {
                try await Task.sleep(for: .milliseconds(100))
                status = try await client.execute(
                    uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: other)
                ) { $0.status }
            }
            #expect(status == .ok)
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) {
                #expect(String(buffer: $0.body).contains("\nwebhook_receiver_ready 1"))
            }
        }
        await server.stop()
    }
}
