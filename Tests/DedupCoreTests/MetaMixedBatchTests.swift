import DedupCore
import Foundation
import Testing

/// A Meta POST split into several stream entries loses nothing: changes without messages or statuses
/// (account, template, quality updates riding in the same POST) and contacts no item carries get
/// entries of their own, keyed by content so that Meta's resend of the POST is a duplicate.
@Suite("Meta batches that mix items with other changes")
struct MetaMixedBatchTests {
    static let mixed = """
        {"object":"whatsapp_business_account","entry":[\
        {"id":"W1","changes":[\
        {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"P1"},\
        "contacts":[{"profile":{"name":"A"},"wa_id":"55A"},{"profile":{"name":"B"},"wa_id":"55B"}],\
        "messages":[{"from":"55A","id":"wamid.A","type":"text","text":{"body":"a"}},{"from":"55B","id":"wamid.B","type":"text","text":{"body":"b"}}]}},\
        {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","phone_number":"5511"}}]},\
        {"id":"W2","time":1761060000,"changes":[{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":42}}]}]}
        """

    /// SHA-256 (from `sha256sum`) of the canonical form of the two change envelopes below.
    static let accountUpdateKey = "meta:change:sha256:dfe45bdc0d4b038f7beb8a6381ad68a44260f70d937fe0171d3cb2c40e4ee160"
    static let templateUpdateKey = "meta:change:sha256:47baf4c72c65e044d99877b8a6bda7dd86e8dfa2eb2f045414756f5c4e63e3a0"

    @Test func changesWithoutItemsGetEntriesOfTheirOwn() throws {
        let derivation = try derive(Data(Self.mixed.utf8), source: "meta")
        #expect(derivation.rule == .meta)
        #expect(derivation.isBatch)
        #expect(derivation.items.map(\.key) == ["meta:msg:wamid.A", "meta:msg:wamid.B", Self.accountUpdateKey, Self.templateUpdateKey])
        let bodies = derivation.items.map { String(decoding: $0.body, as: UTF8.self) }
        try #require(bodies.count == 4)
        #expect(
            bodies[2] == """
                {"object":"whatsapp_business_account","entry":[{"id":"W1","changes":[\
                {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","phone_number":"5511"}}]}]}
                """)
        #expect(
            bodies[3] == """
                {"object":"whatsapp_business_account","entry":[{"id":"W2","time":1761060000,"changes":[\
                {"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":42}}]}]}
                """)
        // The message envelopes are unchanged by the change riding along.
        #expect(!bodies[0].contains("account_update") && bodies[0].contains(#""id":"wamid.A""#) && !bodies[0].contains("wamid.B"))
    }

    @Test func theSameChangeInAResendIsTheSameKey() throws {
        let first = try derive(Data(Self.mixed.utf8), source: "meta")
        // Meta resends with other whitespace and member order: still the same keys.
        let reordered = Self.mixed.replacingOccurrences(
            of: #""field":"account_update","value":{"event":"VERIFIED_ACCOUNT","phone_number":"5511"}"#,
            with: #""value":{ "phone_number":"5511", "event":"VERIFIED_ACCOUNT" }, "field":"account_update""#)
        #expect(reordered != Self.mixed)
        let second = try derive(Data(reordered.utf8), source: "meta")
        #expect(second.items.map(\.key) == first.items.map(\.key))
    }

    /// Contacts are handed to the items they describe; one no item names is not dropped.
    @Test func aContactNoItemCarriesGetsAnEntry() throws {
        let body = Self.mixed.replacingOccurrences(
            of: #"{"profile":{"name":"B"},"wa_id":"55B"}]"#, with: #"{"profile":{"name":"B"},"wa_id":"55B"},{"profile":{"name":"C"},"wa_id":"55C"}]"#)
        let derivation = try derive(Data(body.utf8), source: "meta")
        try #require(derivation.items.count == 5)
        let rest = String(decoding: derivation.items[2].body, as: UTF8.self)
        #expect(derivation.items[2].key.hasPrefix("meta:change:sha256:"))
        #expect(
            rest == """
                {"object":"whatsapp_business_account","entry":[{"id":"W1","changes":[{"field":"messages","value":\
                {"messaging_product":"whatsapp","metadata":{"phone_number_id":"P1"},"contacts":[{"profile":{"name":"C"},"wa_id":"55C"}]}}]}]}
                """)
    }

    /// Every message, status, change and contact of the POST is in some entry's body.
    @Test func nothingOfTheBatchIsLeftOut() throws {
        let derivation = try derive(Data(Self.mixed.utf8), source: "meta")
        let all = derivation.items.map { String(decoding: $0.body, as: UTF8.self) }.joined()
        for piece in ["wamid.A", "wamid.B", #""wa_id":"55A""#, #""wa_id":"55B""#, "VERIFIED_ACCOUNT", "APPROVED", #""time":1761060000"#] {
            #expect(all.contains(piece), "\(piece) is in no entry")
        }
    }

    /// One item keeps the whole POST, as before: nothing to split, so nothing to lose.
    @Test func oneItemWithAChangeAlongsideKeepsTheWholeBody() throws {
        let body = Self.mixed.replacingOccurrences(of: #",{"from":"55B","id":"wamid.B","type":"text","text":{"body":"b"}}"#, with: "")
        let derivation = try derive(Data(body.utf8), source: "meta")
        #expect(!derivation.isBatch)
        #expect(derivation.items == [DerivedItem(key: "meta:msg:wamid.A", body: Data(body.utf8), entryPoint: nil)])
    }
}
