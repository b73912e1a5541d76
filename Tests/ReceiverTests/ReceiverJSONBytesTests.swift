import DedupCore
import Foundation
import Hummingbird
import Testing

@testable import Receiver

/// Pins the bytes of the JSON the receiver writes on every request: the 200 answer senders and
/// scripts read, and the `headers` field of a stream entry that the deliverer forwards.
@Suite("Receiver JSON bytes")
struct ReceiverJSONBytesTests {
    @Test func singleAnswer() {
        let answer = WebhookAnswer(
            keys: ["evo:loja:messages.upsert:3A9F:0"], results: [AcceptResult(isNew: true, entryID: "1761060001482-0")], isBatch: false)
        #expect(
            String(decoding: answer.json.bytes, as: UTF8.self)
                == #"{"status":"accepted","key":"evo:loja:messages.upsert:3A9F:0","id":"1761060001482-0"}"#)
    }

    @Test func batchAnswer() {
        let answer = WebhookAnswer(
            keys: ["meta:msg:wamid.A", "meta:status:wamid.B:read"],
            results: [AcceptResult(isNew: false, entryID: "1-0"), AcceptResult(isNew: true, entryID: "2-1")], isBatch: true)
        #expect(
            String(decoding: answer.json.bytes, as: UTF8.self)
                == #"{"status":"partial","items":[{"key":"meta:msg:wamid.A","status":"duplicate","id":"1-0"},{"key":"meta:status:wamid.B:read","status":"accepted","id":"2-1"}]}"#
        )
    }

    /// Sorted names, repeated names joined, hop-by-hop and credential headers dropped, the token
    /// header of a token-authenticated source dropped; `"`, `\`, tab and control bytes escaped, `/`
    /// and UTF-8 as they are.
    @Test func forwardedHeaders() throws {
        let headers: [(name: String, value: String)] = [
            ("x-b", "v/1"), ("content-type", "application/json"), ("x-a", "q\"b\\s\ttab é"), ("host", "h"), ("x-a", "second"),
            ("authorization", "Bearer s"), ("x-token", "t"), ("x-ctl", "a\u{01}b"),
        ]
        let plain = WebhookController<BasicRequestContext>.forwardedHeadersJSON(headers, auth: nil)
        #expect(
            String(decoding: plain, as: UTF8.self)
                == #"{"content-type":"application/json","x-a":"q\"b\\s\ttab é, second","x-b":"v/1","x-ctl":"a\u0001b","x-token":"t"}"#)
        let token = try AuthRule(kind: .token, header: "X-Token", configuredSecret: "t")
        let withoutToken = WebhookController<BasicRequestContext>.forwardedHeadersJSON(headers, auth: token)
        #expect(!String(decoding: withoutToken, as: UTF8.self).contains("x-token"))
    }
}
