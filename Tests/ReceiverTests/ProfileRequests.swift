import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// What the sender-profile tests send and read back through the receiver.
enum ProfileRequests {
    /// POSTs `body` with a JSON content type and `headers`; the status and, for a JSON answer, the
    /// decoded body.
    static func post(
        _ client: some TestClientProtocol,
        _ uri: String,
        body: Data,
        headers: [String: String],
        contentType: String = "application/json"
    ) async throws -> (status: HTTPResponse.Status, answer: Answer?, text: String) {
        var fields: HTTPFields = [.contentType: contentType]
        for (name, value) in headers {
            fields[try #require(HTTPField.Name(name))] = value
        }
        return try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(bytes: body)) { response in
            (response.status, try? Answer(response), String(decoding: Data(buffer: response.body), as: UTF8.self))
        }
    }

    /// The seen keys the receiver wrote, and the length of its stream.
    static func recorded(_ receiver: ReceiverUnderTest) async throws -> (seen: [String], streamLength: Int) {
        let keys = try await receiver.keys()
        let stream = RedisKeys(prefix: receiver.configuration.keyPrefix).stream(shard: 0)
        let length = try await receiver.redis.command("XLEN", .init(stream)).int ?? 0
        return (keys.filter { $0.contains(":seen:") }.sorted(), length)
    }

    /// Checks that the receiver recorded `entries` messages, one seen key each, every key remembered
    /// for the profile's window (`window` seconds, less the seconds the test took).
    static func expectRecorded(_ receiver: ReceiverUnderTest, entries: Int, window: Int) async throws {
        let (seen, streamLength) = try await recorded(receiver)
        #expect(streamLength == entries)
        #expect(seen.count == entries)
        for key in seen {
            let ttl = try await receiver.redis.command("TTL", .init(key)).int ?? -3
            #expect(ttl > window - 100 && ttl <= window)
        }
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
