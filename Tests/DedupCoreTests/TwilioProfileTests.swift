import DedupCore
import Foundation
import Testing

/// The twilio profile: keys from the form-encoded body, `X-Twilio-Signature` as Twilio's
/// `RequestValidator` computes it.
///
/// Vectors made by the `twilio` PyPI library (9.13.0), `RequestValidator.compute_signature`, through
/// scripts/tools/sender_signatures.py, e.g.
///   echo '[{"scheme":"twilio","secret":"12345","url":"https://mycompany.com/myapp.php?foo=1&bar=2",
///          "body":"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212"}]' \
///     | .build/sender-venv/bin/python scripts/tools/sender_signatures.py
/// (the request of Twilio's security docs); the others change the URL's port, add
/// `"algorithm":"HMAC_SHA256"`, or sign `repeated` below at https://hooks.example.com/webhook/twilio.
@Suite("Sender profile: twilio")
struct TwilioProfileTests {
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let body = Data("CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212".utf8)
    static let repeated = Data("MessageSid=SM1&MessageStatus=delivered&Body=caf%C3%A9+%26+more&Tag=b&Tag=a&Tag=b&Empty=".utf8)

    let verifier = AuthVerifier()

    func verify(_ signature: String, url: String = Self.url, body: Data = Self.body, settings: String? = nil) -> Bool {
        let rule = AuthRule(kind: .twilio, secret: Secret("12345"), publicURL: url)
        var headers = [(name: "X-Twilio-Signature", value: signature)]
        if let settings { headers.append((name: "X-Twilio-Webhooks-Signature-Settings", value: settings)) }
        return verifier.verify(rule: rule, headers: headers, body: body, now: Date())
    }

    @Test func theLibrarysSignaturesAreAccepted() {
        #expect(verify("0/KCTR6DLpKmkAf8muzZqo1nDgQ="))
        // Signed with the default port written out; public_url without it still matches.
        #expect(verify("EpDEmp1PyjDYp77YxYU3GILBWzE="))
        #expect(verify("Rmm4Vzj+Ky7JGoWXMCsZDZuHDszLr9xvdbvitrDr4/M=", settings: "key=webhooks_sharedkey_test,algorithm=HMAC_SHA256"))
        // Repeated names (distinct values sorted, one "b"), an empty value, `+` and `%XX` decoded.
        #expect(verify("K7ZxUMzh9I1+836kJOH0kT3jOkI=", url: "https://hooks.example.com/webhook/twilio", body: Self.repeated))
    }

    @Test func tamperedOrWrongURLIsRejected() {
        #expect(!verify("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", body: Data((String(decoding: Self.body, as: UTF8.self) + "&X=1").utf8)))
        #expect(
            !verify(
                "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
                body: Data(String(decoding: Self.body, as: UTF8.self).replacingOccurrences(of: "1234&", with: "1235&").utf8)))
        #expect(!verify("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url: "https://mycompany.com/myapp.php"))
        #expect(!verify("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", settings: "algorithm=HMAC_SHA256"))
        #expect(!verify("Rmm4Vzj+Ky7JGoWXMCsZDZuHDszLr9xvdbvitrDr4/M="))
        #expect(!verify("not base64"))
        let noURL = AuthRule(kind: .twilio, secret: Secret("12345"))
        #expect(!verifier.verify(rule: noURL, headers: [("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")], body: Self.body, now: Date()))
    }

    @Test func formDecoding() {
        let form = FormBody(Self.repeated)
        #expect(form.value("Body") == "café & more")
        #expect(form.value("Tag") == "b")
        #expect(form.value("Empty") == nil)
        #expect(form.fields.count == 7)
        #expect(FormBody(Data("a=%zz&b=%4&c&=v&&d=1=2".utf8)).fields.map { "\($0.name)|\($0.value)" } == ["a|%zz", "b|%4", "c|", "|v", "d|1=2"])
        #expect(FormBody.isForm(contentType: "Application/X-WWW-Form-Urlencoded; charset=utf-8"))
        #expect(!FormBody.isForm(contentType: "application/json"))
        #expect(!FormBody.isForm(contentType: nil))
    }

    /// A retry repeats the form (and `I-Twilio-Idempotency-Token`); each status of a message is its
    /// own event.
    @Test func keysFromTheFormBody() throws {
        let form = "application/x-www-form-urlencoded"
        let deriver = KeyDeriver()
        let status = try Fixtures.data("twilio-message-status.txt")
        let delivered = try deriver.derive(request(status, source: "twilio", contentType: form))
        #expect(delivered.rule == .profile)
        #expect(delivered.items.map(\.key) == ["twilio:SM2c7e9f8ad5a84c55a3b3b4b1e2d3f4a5:delivered"])
        #expect(delivered.items.first?.body == status)
        #expect(delivered.ttl == 86_400)
        let sent = Data(String(decoding: status, as: UTF8.self).replacingOccurrences(of: "=delivered", with: "=sent").utf8)
        #expect(
            try deriver.derive(request(sent, source: "twilio", contentType: form)).items.map(\.key) == [
                "twilio:SM2c7e9f8ad5a84c55a3b3b4b1e2d3f4a5:sent"
            ])
        let token = [(name: "I-Twilio-Idempotency-Token", value: "b9d3f0a8-1c2e")]
        #expect(try deriver.derive(request(status, source: "twilio", contentType: form, headers: token)).items.map(\.key) == ["twilio:b9d3f0a8-1c2e"])
        let call = Data("CallSid=CA1234567890ABCDE&CallStatus=completed&Digits=1".utf8)
        #expect(try deriver.derive(request(call, source: "twilio", contentType: form)).items.map(\.key) == ["twilio:CA1234567890ABCDE:completed"])
        let incoming = Data("MessageSid=SM9&SmsStatus=received&Body=hi".utf8)
        #expect(try deriver.derive(request(incoming, source: "twilio", contentType: form)).items.map(\.key) == ["twilio:SM9"])
        // Not a form by its content type: not decoded, the built-in rules key it.
        #expect(try deriver.derive(request(status, source: "twilio", contentType: "text/plain")).rule == .rawBody)
    }

    @Test func publicURLIsRequiredWithTheSignature() throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  twilio:\n    auth: { secret_env: TWILIO_AUTH_TOKEN }\n    public_url: https://hooks.example.com/webhook/twilio\n",
            environment: ["TWILIO_AUTH_TOKEN": "12345"])
        let auth = try #require(sources.rule(for: "twilio")?.auth)
        #expect(auth.kind == .twilio)
        #expect(auth.publicURL == "https://hooks.example.com/webhook/twilio")
        let missing = #expect(throws: ConfigError.self) {
            try SourcesConfig.parse("sources:\n  twilio:\n    auth: { secret: x }\n", environment: [:])
        }
        #expect(missing?.message.contains("public_url is required") == true)
        let unused = #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  a:\n    public_url: https://x/\n", environment: [:]) }
        #expect(unused?.message.contains("only used by the twilio and square") == true)
        #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  twilio:\n    public_url: ftp://x\n", environment: [:]) }
    }
}
