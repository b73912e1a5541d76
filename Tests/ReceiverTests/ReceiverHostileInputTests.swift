import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile and malformed input against a live receiver and a real Redis: every case gets its answer
/// from docs/reference.md (or a closed connection) within a bound, the process keeps serving, and a rejected request
/// leaves no key in Redis.
@Suite("Receiver under hostile input", .serialized, .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverHostileInputTests {
    /// Bodies that are JSON by content type (or, without one, by their first byte) and do not parse.
    static let invalidJSON: [(name: String, contentType: String?, body: [UInt8])] = [
        ("truncated object", "application/json", Array(#"{"event":"messages.upsert","instance":"x","data":{"key":{"id":"#.utf8)),
        ("trailing comma", "application/json", Array(#"{"a":1,}"#.utf8)),
        ("not JSON at all", "application/json", Array("hello".utf8)),
        ("empty body", "application/json", []),
        ("only whitespace", "application/json; charset=utf-8", Array("  \n ".utf8)),
        ("invalid UTF-8 in a string", "application/json", Array(#"{"a":""#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#""}"#.utf8)),
        ("overlong UTF-8 encoding", "application/json", Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)),
        (
            "100,000 nested arrays", "application/json",
            Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        ),
        (
            "100,000 nested objects", "application/json",
            Array(String(repeating: #"{"a":"#, count: 100_000).utf8) + Array("1".utf8) + Array(repeating: UInt8(ascii: "}"), count: 100_000)
        ),
        ("unterminated deep nesting", "application/json", Array(repeating: UInt8(ascii: "["), count: 100_000)),
        ("NUL byte", "application/json", Array(#"{"a":1}"#.utf8) + [0]),
        ("two documents", "application/json", Array(#"{"a":1}{"a":2}"#.utf8)),
        ("broken, +json media type", "application/vnd.api+json", Array(#"{"a":"#.utf8)),
        ("broken, no content type", nil, Array(#"{"event":"#.utf8)),
        ("NaN literal", "application/json", Array(#"{"n":NaN}"#.utf8)),
        // Grammatical JSON, but not Unicode text: refused like invalid UTF-8 (I-JSON, RFC 7493).
        ("lone surrogate escape", "application/json", Array(#"{"s":"\ud800"}"#.utf8)),
    ]

    @Test func bodiesThatDoNotParseGet400AndRecordNothing() async throws {
        try await ReceiverTest.withReceiver(.live) { client in
            for testCase in Self.invalidJSON {
                var headers: HTTPFields = [:]
                if let contentType = testCase.contentType { headers[.contentType] = contentType }
                let start = ContinuousClock.now
                try await client.execute(uri: "/webhook/hostile", method: .post, headers: headers, body: ByteBuffer(bytes: testCase.body)) {
                    response in
                    #expect(response.status == .badRequest, "\(testCase.name)")
                    #expect((try? Answer(response))?.error == "invalid_json", "\(testCase.name)")
                }
                #expect(ContinuousClock.now - start < .seconds(5), "\(testCase.name) took too long")
            }
            try await Self.expectServing(client)
        } check: { receiver in
            try await Self.expectNoHostileKeys(receiver)
            // Only the one normal POST of expectServing left keys: its seen key and the stream, and its
            // minute's counters with the index of counted sources.
            let keys = try await receiver.keys()
            #expect(keys.filter { !$0.contains(":stats:") }.count == 2)
            #expect(keys.filter { $0.contains(":stats:") }.count == 2)
        }
    }

    /// Valid JSON, or bodies that are not JSON by content type: accepted once, keyed by the key rules,
    /// and the same bytes again are a duplicate.
    @Test func oddButValidBodiesAreAcceptedOnceThenDuplicate() async throws {
        let digits = String(repeating: "9", count: 100_000)
        let cases: [(name: String, contentType: String?, body: String, keyPrefix: String)] = [
            ("huge exponent", "application/json", #"{"n":1e999999999}"#, "sha256:"),
            ("100,000-digit integer", "application/json", #"{"n":\#(digits)}"#, "sha256:"),
            ("tiny number", "application/json", #"{"n":-0.\#(digits)e-999999}"#, "sha256:"),
            ("text/plain that looks like JSON", "text/plain", #"{"event":"messages.upsert","instance":"x"}"#, "sha256:"),
            ("text/plain that is broken JSON", "text/plain; charset=utf-8", #"{"event":"#, "sha256:"),
            ("form encoded", "application/x-www-form-urlencoded", "event=messages.upsert&instance=x&data%5Bkey%5D%5Bid%5D=1", "sha256:"),
            ("no content type, plain text", nil, "ping", "sha256:"),
            (
                "no content type, JSON", nil,
                #"{"event":"messages.upsert","instance":"i1","data":{"key":{"id":"NOCT1","fromMe":false},"message":{"conversation":"x"}}}"#, "evo:"
            ),
            ("no content type, empty body", nil, "", "sha256:"),
            (
                "duplicate object keys", "application/json",
                #"{"event":"messages.upsert","instance":"i1","data":{"key":{"id":"A1","fromMe":false,"id":"B2"},"message":{"conversation":"x"}}}"#,
                "evo:"
            ),
        ]
        try await ReceiverTest.withReceiver(.live) { client in
            var keys: Set<String> = []
            for testCase in cases {
                var headers: HTTPFields = [:]
                if let contentType = testCase.contentType { headers[.contentType] = contentType }
                let first = try await client.execute(
                    uri: "/webhook/odd", method: .post, headers: headers, body: ByteBuffer(string: testCase.body)
                ) { response in
                    #expect(response.status == .ok, "\(testCase.name)")
                    return try Answer(response)
                }
                #expect(first.status == "accepted", "\(testCase.name)")
                #expect(first.key?.hasPrefix(testCase.keyPrefix) == true, "\(testCase.name): key \(first.key ?? "nil")")
                if let key = first.key { keys.insert(key) }
                let again = try await client.execute(
                    uri: "/webhook/odd", method: .post, headers: headers, body: ByteBuffer(string: testCase.body)
                ) { response in
                    #expect(response.status == .ok, "\(testCase.name)")
                    return try Answer(response)
                }
                #expect(again.status == "duplicate", "\(testCase.name)")
                #expect(again.key == first.key && again.id == first.id, "\(testCase.name)")
            }
            #expect(keys.count == cases.count, "two different bodies got the same key")
        } check: { receiver in
            let stream = RedisKeys(prefix: receiver.configuration.keyPrefix).stream(shard: 0)
            let length = try await receiver.redis.command("XLEN", .init(stream)).int
            #expect(length == cases.count)
        }
    }

    /// An Evolution upsert without `data.key.id` is keyed by its content (minus `date_time`), so two
    /// different ones are both accepted and a re-send with a new `date_time` is a duplicate.
    @Test func evolutionUpsertWithoutIdIsNeitherLostNorMerged() async throws {
        @Sendable func body(_ text: String, dateTime: String) -> ByteBuffer {
            ByteBuffer(
                string:
                    #"{"event":"messages.upsert","instance":"loja","date_time":"\#(dateTime)","data":{"key":{"remoteJid":"1@s.whatsapp.net","fromMe":false},"message":{"conversation":"\#(text)"}}}"#
            )
        }
        try await ReceiverTest.withReceiver(.router) { client in
            var statuses: [String?] = []
            for (text, time) in [("one", "2025-01-01T00:00:00.000Z"), ("two", "2025-01-01T00:00:01.000Z"), ("one", "2025-01-01T00:00:09.000Z")] {
                let answer = try await client.execute(
                    uri: "/webhook/evolution/messages-upsert", method: .post, headers: ReceiverTest.jsonHeaders, body: body(text, dateTime: time)
                ) { response in
                    #expect(response.status == .ok)
                    return try Answer(response)
                }
                statuses.append(answer.status)
            }
            #expect(statuses == ["accepted", "accepted", "duplicate"])
        }
    }

    @Test func oversizedHeadersAreRefusedOrClosed() async throws {
        try await ReceiverTest.withReceiver(.live) { client in
            let port = try #require(client.port)
            let body = #"{"hostile":"headers"}"#
            let cases: [(String, String)] = [
                ("one 100 KiB header", "X-Big: " + String(repeating: "a", count: 100 * 1024) + "\r\n"),
                ("2,000 headers of 64 bytes", (0..<2000).map { "X-H\($0): " + String(repeating: "b", count: 58) + "\r\n" }.joined()),
                ("a 100 KiB Idempotency-Key", "Idempotency-Key: " + String(repeating: "k", count: 100 * 1024) + "\r\n"),
            ]
            for (name, headers) in cases {
                let request =
                    "POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
                let answer = try await RawConnection.exchange(port: port, send: Array(request.utf8), readFor: .seconds(5))
                #expect(answer.status.map { [400, 413, 431].contains($0) } ?? answer.closed, "\(name): \(answer)")
            }
            try await Self.expectServing(client)
        } check: { receiver in
            try await Self.expectNoHostileKeys(receiver)
        }
    }

    @Test func bodiesOverTheLimitAreRefusedWithoutReadingThemWhole() async throws {
        try await ReceiverTest.withReceiver(.live, configure: { $0.maxBodyBytes = 64 * 1024 }) { client in
            let port = try #require(client.port)

            // A declared length over the limit: 413 at once, although only 10 bytes of the body came.
            let head = "POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{\"a\":\"xxxx"
            let start = ContinuousClock.now
            let declared = try await RawConnection.exchange(port: port, send: Array(head.utf8), readFor: .seconds(5))
            #expect(declared.status == 413, "\(declared)")
            #expect(declared.text.contains("body_too_large"))
            #expect(ContinuousClock.now - start < .seconds(3))

            // A chunked body that grows past the limit slowly: 413 or a closed connection, before
            // the sender is done.
            let connection = try RawConnection(port: port, receiveTimeout: .seconds(5))
            defer { connection.close() }
            try connection.send(
                Array("POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            let chunk = String(repeating: "z", count: 8 * 1024)
            var refusedAfter: Int?
            for n in 1...40 {
                // 40 × 8 KiB = 320 KiB offered, 5 × the limit.
                if (try? connection.send(Array((String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n").utf8))) == nil {
                    refusedAfter = n
                    break
                }
                if connection.hasData() {
                    refusedAfter = n
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let answer = await connection.readAnswerOffPool(for: .seconds(5))
            #expect(answer.status == 413 || answer.closed, "\(answer)")
            #expect((refusedAfter ?? 41) <= 40, "the whole oversized body was read")

            try await Self.expectServing(client)
        } check: { receiver in
            try await Self.expectNoHostileKeys(receiver)
        }
    }

    /// Slowloris: half a request line, then nothing; and a head with half its body. The receiver
    /// closes both after `idleTimeout` (1 s here), and keeps serving others meanwhile.
    @Test func idleConnectionsAreClosedWithinTheIdleTimeout() async throws {
        try await ReceiverTest.withReceiver(.live, configure: { $0.idleTimeout = .seconds(1) }) { client in
            let port = try #require(client.port)
            let partials = [
                "POST /webh",
                "POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
                "POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":",
            ]
            // Many at once, as a slowloris client would hold them.
            var connections: [RawConnection] = []
            defer { connections.forEach { $0.close() } }
            for partial in partials {
                for _ in 0..<20 {
                    let connection = try RawConnection(port: port, receiveTimeout: .seconds(6))
                    try connection.send(Array(partial.utf8))
                    connections.append(connection)
                }
            }
            // Still serving while they hang.
            try await Self.expectServing(client)
            let start = ContinuousClock.now
            for connection in connections {
                let answer = await connection.readAnswerOffPool(for: .seconds(6))
                #expect(answer.closed, "\(answer)")
            }
            #expect(ContinuousClock.now - start < .seconds(5), "idle connections were held too long")
            // The test client's own keep-alive connection has idled out too: a new connection.
            let body = #"{"alive":"after-slowloris"}"#
            let request =
                "POST /webhook/alive HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            let answer = try await RawConnection.exchange(port: port, send: Array(request.utf8), readFor: .seconds(5))
            #expect(answer.status == 200, "\(answer)")
        } check: { receiver in
            try await Self.expectNoHostileKeys(receiver)
        }
    }

    @Test func garbageOnTheWireIsRefusedAndTheServerKeepsServing() async throws {
        try await ReceiverTest.withReceiver(.live) { client in
            let port = try #require(client.port)
            let garbage: [[UInt8]] = [
                Array("GARBAGE\r\n\r\n".utf8),
                [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03],  // a TLS ClientHello on the plain port
                Array("POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".utf8),
                Array("POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!".utf8),
                Array("POST /webhook/hostile HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n".utf8),
                Array(repeating: 0, count: 4096),
            ]
            for bytes in garbage {
                let answer = try await RawConnection.exchange(port: port, send: bytes, readFor: .seconds(5))
                #expect(answer.closed || (answer.status.map { $0 >= 400 && $0 < 500 } ?? false), "\(answer)")
            }
            // An invalid source name is a 400, not a key.
            try await client.execute(
                uri: "/webhook/" + String(repeating: "s", count: 65), method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await Self.expectServing(client)
        } check: { receiver in
            try await Self.expectNoHostileKeys(receiver)
        }
    }

    /// A normal POST is accepted: the receiver is up and responsive.
    /// Nothing sent to the `hostile` source was recorded.
    static func expectNoHostileKeys(_ receiver: ReceiverUnderTest) async throws {
        let keys = try await receiver.keys()
        #expect(keys.filter { $0.contains(":seen:hostile:") }.isEmpty, "rejected requests left keys: \(keys)")
    }

    static func expectServing(_ client: some TestClientProtocol) async throws {
        let body = ByteBuffer(string: #"{"alive":""# + UUID().uuidString + #""}"#)
        try await client.execute(uri: "/webhook/alive", method: .post, headers: ReceiverTest.jsonHeaders, body: body) { response in
            #expect(response.status == .ok)
            #expect((try? Answer(response))?.status == "accepted")
        }
    }
}

/// A blocking TCP connection to 127.0.0.1 for what an HTTP client library will not send: half
/// requests, oversized heads, garbage. Used only by tests; every read is bounded, and blocking reads
/// run on a thread of their own (``readAnswerOffPool(for:)``), never on the small cooperative pool the
/// server's handlers need too.
final class RawConnection: @unchecked Sendable {
    /// What came back: the status of the first response line, if any, and whether the server closed.
    struct Answer: CustomStringConvertible {
        var status: Int?
        var closed: Bool
        var text: String
        var description: String { "status \(status.map(String.init) ?? "none"), closed \(closed), \(text.prefix(120).debugDescription)" }
    }

    private let fd: Int32

    init(port: Int, receiveTimeout: Duration) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw RawError("connect: errno \(errno)")
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends everything or throws (e.g. the server closed the connection: EPIPE/ECONNRESET).
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawError("send: errno \(errno)") }
            offset += sent
        }
    }

    /// True when a read would not block (an answer or a close is waiting).
    func hasData() -> Bool {
        var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&poll, 1, 0) > 0
    }

    /// Reads until the server closes, a complete head (plus its Content-Length body) arrived, or the
    /// time is up.
    func readAnswer(for limit: Duration) -> Answer {
        let deadline = ContinuousClock.now + limit
        var data: [UInt8] = []
        var closed = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closed = true
                break
            }
            if count > 0 {
                data += buffer[0..<count]
                if Self.isComplete(data) { break }
            }
        }
        let text = String(decoding: data, as: UTF8.self)
        var status: Int?
        if text.hasPrefix("HTTP/1.1 "), let code = Int(text.dropFirst(9).prefix(3)) { status = code }
        return Answer(status: status, closed: closed, text: text)
    }

    func close() {
        Glibc.close(fd)
    }

    func readAnswerOffPool(for limit: Duration) async -> Answer {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.readAnswer(for: limit)) }.start()
        }
    }

    static func exchange(port: Int, send bytes: [UInt8], readFor limit: Duration) async throws -> Answer {
        let connection = try RawConnection(port: port, receiveTimeout: .seconds(1))
        defer { connection.close() }
        // The server may answer and close before it has read everything; that is an answer too. The
        // send may block on a full socket buffer, so it runs off the pool as well.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                try? connection.send(bytes)
                continuation.resume()
            }.start()
        }
        return await connection.readAnswerOffPool(for: limit)
    }

    private static func isComplete(_ data: [UInt8]) -> Bool {
        let text = String(decoding: data, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return true }
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }
}

struct RawError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
