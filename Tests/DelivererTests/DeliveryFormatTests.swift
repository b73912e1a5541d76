import Foundation
import Testing

@testable import Deliverer

/// Pure parts of delivery: no Redis, no network.
struct DeliveryFormatTests {
    private func entry(body: [UInt8], headers: String = #"{"user-agent":"evo","x-b":["1","2"],"Host":"h","Connection":"close"}"#)
        -> StreamEntry
    {
        StreamEntry(
            shard: 0, id: "1732890000123-0",
            fields: [
                .init("key", "evo:inst:messages.upsert:ABC:false"), .init("source", "evolution"), .init("path", "/messages-upsert"),
                .init("received_at", "1732890000123"), .init("receiver", "r1"), .init("content_type", "application/json"),
                .init("headers", headers), .init("body", body),
            ])
    }

    @Test("stdout line: every field, headers as an object, UTF-8 body as text, sorted keys, one line")
    func jsonLineWithTextBody() {
        let line = EntryJSON.line(entry(body: Array(#"{"event":"messages.upsert","text":"olá\nmundo"}"#.utf8)))
        #expect(
            line
                == #"{"body":"{\"event\":\"messages.upsert\",\"text\":\"olá\\nmundo\"}","content_type":"application/json","#
                + #""headers":{"Connection":"close","Host":"h","user-agent":"evo","x-b":["1","2"]},"id":"1732890000123-0","#
                + #""key":"evo:inst:messages.upsert:ABC:false","path":"/messages-upsert","received_at":1732890000123,"#
                + #""receiver":"r1","source":"evolution"}"#)
        #expect(!line.contains("\n"))
    }

    @Test("stdout line: a body that is not UTF-8 goes as body_base64")
    func jsonLineWithBinaryBody() throws {
        let line = EntryJSON.line(entry(body: [0x89, 0x50, 0x4e, 0x47, 0xff]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["body"] == nil)
        #expect(object["body_base64"] as? String == "iVBOR/8=")
    }

    @Test("request headers: forwarded ones minus hop-by-hop, then content type and the dedup headers")
    func deliveryHeaders() {
        let headers = DeliveryHeaders.make(
            for: entry(
                body: [], headers: #"{"user-agent":"evo","Host":"h","Connection":"close","X-Delivery-Attempt":"9","idempotency-key":"spoof"}"#),
            attempt: 3)
        #expect(
            headers.map(\.name) == [
                "user-agent", "Content-Type", "Idempotency-Key", "X-Dedup-Key", "X-Dedup-Source", "X-Dedup-Entry-Id", "X-Delivery-Attempt",
            ])
        #expect(
            headers.map(\.value) == [
                "evo", "application/json", "evo:inst:messages.upsert:ABC:false", "evo:inst:messages.upsert:ABC:false", "evolution",
                "1732890000123-0", "3",
            ])
        #expect(entry(body: []).forwardedHeaders.first { $0.name == "x-b" }?.value == "1, 2")
    }

    @Test("backoff: full jitter in a window doubling from base, capped at max")
    func backoffWindows() {
        let backoff = RetryBackoff(base: .milliseconds(500), max: .seconds(60))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            #expect(backoff.delay(afterAttempt: 1, using: &generator) == .milliseconds(500))
            let second = backoff.delay(afterAttempt: 2, using: &generator)
            #expect(second >= .milliseconds(500) && second <= .milliseconds(1000))
            let fifth = backoff.delay(afterAttempt: 5, using: &generator)
            #expect(fifth >= .milliseconds(500) && fifth <= .milliseconds(8000))
            let late = backoff.delay(afterAttempt: 500, using: &generator)
            #expect(late >= .milliseconds(500) && late <= .seconds(60))
        }
        let spread = Set((0..<50).map { _ in backoff.delay(afterAttempt: 8, using: &generator) })
        #expect(spread.count > 10)  // jittered, not one fixed value
    }

    @Test("downstream URL: http(s) or -, anything else named as the problem")
    func downstreamTarget() throws {
        #expect(try DownstreamTarget(parsing: "-") == .standardOutput)
        #expect(try DownstreamTarget(parsing: "http://127.0.0.1:9000/hook") == .http(URL(string: "http://127.0.0.1:9000/hook")!))
        #expect(throws: DownstreamTargetError.self) { try DownstreamTarget(parsing: "ftp://x/y") }
        #expect(throws: DownstreamTargetError.self) { try DownstreamTarget(parsing: "not a url") }
        #expect(throws: DownstreamTargetError.self) { try DownstreamTarget(parsing: "http:///path") }
    }
}
