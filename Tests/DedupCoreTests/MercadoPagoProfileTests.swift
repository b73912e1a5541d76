import DedupCore
import Foundation
import Testing

/// The mercadopago profile: key `mercadopago:<data.id>:<action>`, `x-signature` over the manifest
/// Mercado Pago documents. Its SDK on PyPI has no signature code; the vectors are
///   printf '%s' 'id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;' \
///     | openssl dgst -sha256 -hmac mp-secret
/// and the same with `id:abc123x;` (an upper-case id lowercased) and with no `id:` part.
@Suite("Sender profile: mercadopago")
struct MercadoPagoProfileTests {
    static let requestID = ("x-request-id", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e")
    let verifier = AuthVerifier()
    let rule = try! AuthRule(kind: .mercadopago, configuredSecret: "mp-secret")

    func verify(_ v1: String, query: [(name: String, value: String)], requestID: Bool = true) -> Bool {
        var headers = [(name: "x-signature", value: "ts=1742505638683,v1=\(v1)")]
        if requestID { headers.append(Self.requestID) }
        return verifier.verify(rule: rule, headers: headers, body: Data("{}".utf8), query: query, now: Date())
    }

    @Test func manifestSignature() {
        let signature = "15732a6b94605d0d7d874cceeaa6ff344d887e7014e7e891422c766884db39f8"
        #expect(verify(signature, query: [("data.id", "123456"), ("type", "payment")]))
        #expect(!verify(signature, query: [("data.id", "123457")]))
        #expect(!verify(signature, query: [("data.id", "123456")], requestID: false))
        #expect(!verify(signature, query: []))
        // An alphanumeric id is signed lowercased.
        #expect(verify("13a22c5f529246c6b601e6f69112b8a156b677fc7cbf6a43bbef34f16b38e327", query: [("data.id", "ABC123x")]))
        // Without data.id the manifest leaves the part out.
        #expect(verify("b39ee62609c2cffb386666a2e97ec5aadcd0b562ca2bc33ffd6e6bfce938151a", query: []))
        #expect(!verifier.verify(rule: rule, headers: [Self.requestID], body: Data(), query: [("data.id", "123456")], now: Date()))
    }

    /// The one signature that covers the URL's query, so the receiver copies it for no other source.
    @Test func onlyItsSignatureReadsTheQuery() {
        let readers = AuthRule.Kind.allCases.filter { AuthRule(kind: $0, secret: Secret("s")).readsQuery }
        #expect(readers == [.mercadopago])
    }

    @Test func keyIsTheResourceAndAction() throws {
        let body = try Fixtures.data("mercadopago-payment.json")
        let derivation = try KeyDeriver().derive(request(body, source: "mercadopago"))
        #expect(derivation.rule == .profile)
        #expect(derivation.items.map(\.key) == ["mercadopago:123456:payment.updated"])
        #expect(derivation.ttl == 432_000)
        let typeOnly = Data(#"{"data":{"id":"99"},"type":"payment"}"#.utf8)
        #expect(try KeyDeriver().derive(request(typeOnly, source: "mercadopago")).items.map(\.key) == ["mercadopago:99:payment"])
        let sources = try SourcesConfig.parse("sources:\n  mp:\n    profile: mercadopago\n    auth: { secret: s }\n", environment: [:])
        #expect(sources.rule(for: "mp")?.auth?.kind == .mercadopago)
    }
}
