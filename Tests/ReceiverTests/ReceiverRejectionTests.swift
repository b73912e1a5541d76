import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// Every rejection gets the same three things whatever triggered it — its JSON answer, one log line,
/// one count in `webhook_requests_total` — and none of them grows with what the client sent.
@Suite("Receiver rejections: answered, logged, counted, bounded", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverRejectionTests {
    /// A declared `Content-Length` over the limit and a chunked body that grows past it are one case.
    @Test func chunkedBodyOverTheLimitIsAnsweredLoggedAndCountedLikeADeclaredOne() async throws {
        let logs = LogCapture()
        try await ReceiverTest.withReceiver(.live, configure: { $0.maxBodyBytes = 1024 }, logger: logs.logger) { client in
            let port = try #require(client.port)
            let head = "POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            let chunk = String(repeating: "z", count: 800)
            let requests = [
                ("declared", head + "Content-Length: 5000\r\n\r\n"),
                // Two chunks of 0x320 = 800 bytes: the second crosses the limit.
                ("chunked", head + "Transfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n"),
            ]
            for (name, request) in requests {
                let answer = try await RawConnection.exchange(port: port, send: Array(request.utf8), readFor: .seconds(5))
                #expect(answer.status == 413, "\(name): \(answer)")
                #expect(answer.text.hasSuffix(#"{"error":"body_too_large","message":"body exceeds 1024 bytes"}"#), "\(name): \(answer)")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"webhook_requests_total{source="hostile",outcome="rejected"} 2"#), "\(text)")
            }
        } check: { receiver in
            try await ReceiverHostileInputTests.expectNoHostileKeys(receiver)
        }
        let rejections = logs.records.filter { $0.message == "webhook rejected" && $0.metadata["reason"] == "body_too_large" }
        #expect(rejections.count == 2)
        #expect(rejections.allSatisfy { $0.metadata["status"] == "413" && $0.metadata["source"] == "hostile" })
    }

    /// 100 source names of 70 kB and 150 names nobody configured, all unauthenticated, then traffic
    /// to the configured source: it keeps its own label, `/metrics` stays small, log lines stay short.
    @Test func invalidAndUnconfiguredSourcesCannotCrowdOutConfiguredOnes() async throws {
        let logs = LogCapture()
        let sources = try SourcesConfig.parse(#"{"sources": {"configured": {}}}"#, format: .json)
        let long = String(repeating: "x", count: 70_000)
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }, logger: logs.logger) { client in
            for n in 0..<100 {
                try await client.execute(
                    uri: "/webhook/\(long)\(n)", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: "{}")
                ) { response in
                    #expect(response.status == .badRequest)
                }
            }
            for n in 0..<150 {
                try await client.execute(
                    uri: "/webhook/unconfigured-\(n)", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: #"{"n":\#(n)}"#)
                ) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: "/webhook/configured", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: "{}")) {
                response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.utf8.count < 64 * 1024, "/metrics is \(text.utf8.count) bytes")
                #expect(text.contains(#"webhook_requests_total{source="configured",outcome="accepted"} 1"#))
                #expect(text.contains(#"webhook_requests_total{source="invalid",outcome="rejected"} 100"#))
                #expect(text.contains(#"webhook_requests_total{source="unconfigured-0",outcome="accepted"} 1"#))
                #expect(text.contains(#"source="other""#))
                #expect(!text.contains(long))
            }
        }
        let rejections = logs.records.filter { $0.message == "webhook rejected" && $0.metadata["reason"] == "invalid_source" }
        #expect(rejections.count == 100)
        let longest = rejections.map(\.line.utf8.count).max() ?? 0
        #expect(longest < 512, "a rejection line of \(longest) bytes")
        let source = rejections.last?.metadata["source"] ?? ""
        #expect(source.hasPrefix(String(long.prefix(64))) && source.hasSuffix("(70002 bytes)"), "\(source.prefix(200))")
    }
}
