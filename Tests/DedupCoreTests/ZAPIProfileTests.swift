import DedupCore
import Foundation
import Testing

/// The zapi profile: key `zapi:<instanceId>:<type>:<messageId>`, or for a status callback
/// `zapi:<instanceId>:<type>:<status>:<ids>`. The body is Z-API's documented received-message
/// callback.
@Suite("Sender profile: zapi")
struct ZAPIProfileTests {
    @Test func keys() throws {
        let body = try Fixtures.data("zapi-received.json")
        let deriver = KeyDeriver()
        let received = try deriver.derive(request(body, source: "zapi"))
        #expect(received.rule == .profile)
        #expect(received.items.map(\.key) == ["zapi:A20DA9C0183A2D35A260F53F5D2B9244:ReceivedCallback:A20DA9C0183A2D35A260F53F5D2B9244"])
        #expect(received.ttl == nil)
        // A re-sent callback differs in nothing the key reads.
        let resent = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "1632228638000", with: "1632228699000").utf8)
        #expect(try deriver.derive(request(resent, source: "zapi")).items.map(\.key) == received.items.map(\.key))
        let status = Data(
            #"{"instanceId":"I1","status":"READ","ids":["999999999999999999999"],"momment":1632234645000,"phone":"5544999999999","type":"MessageStatusCallback"}"#
                .utf8)
        #expect(
            try deriver.derive(request(status, source: "zapi")).items.map(\.key) == [
                #"zapi:I1:MessageStatusCallback:READ:%5B%22999999999999999999999%22%5D"#
            ])
    }

    @Test func tokenAuthFromTheProfile() throws {
        let sources = try SourcesConfig.parse("sources:\n  zapi:\n    auth: { header: X-Zapi-Token, secret: z }\n", environment: [:])
        let auth = try #require(sources.rule(for: "zapi")?.auth)
        #expect(auth.kind == .token)
        #expect(AuthVerifier().verify(rule: auth, headers: [("X-Zapi-Token", "z")], body: Data(), now: Date()))
        #expect(!AuthVerifier().verify(rule: auth, headers: [("X-Zapi-Token", "y")], body: Data(), now: Date()))
    }
}
