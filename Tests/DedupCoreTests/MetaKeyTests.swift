import DedupCore
import Foundation
import Testing

@Suite("Meta WhatsApp Cloud API keys")
struct MetaKeyTests {
    static let firstId = "wamid.HBgNNTUyMTk4NzY1MDAwMRUCABIYFDNBOUYyQzcxRDA0QjhFNUE2QzExAA=="

    @Test func singleMessageKeepsTheOriginalBytes() throws {
        let body = try Fixtures.data(Fixtures.metaMessages)
        let derivation = try derive(body, source: "meta")
        #expect(derivation.rule == .meta)
        #expect(!derivation.isBatch)
        #expect(derivation.items == [DerivedItem(key: "meta:msg:\(Self.firstId)", body: body, entryPoint: nil)])
    }

    /// The fixture with a second message from another sender, a status for a third number, and
    /// their contacts.
    static func batch() throws -> [String: Any] {
        var root = try Fixtures.object(Fixtures.metaMessages)
        var entry = try #require((root["entry"] as? [Any])?.first as? [String: Any])
        var change = try #require((entry["changes"] as? [Any])?.first as? [String: Any])
        var value = try #require(change["value"] as? [String: Any])
        var messages = try #require(value["messages"] as? [Any])
        messages.append(["from": "5521987650002", "id": "wamid.SECOND", "timestamp": "1761060001", "type": "text", "text": ["body": "Oi"]])
        value["messages"] = messages
        var contacts = try #require(value["contacts"] as? [Any])
        contacts.append(["profile": ["name": "João"], "wa_id": "5521987650002"])
        contacts.append(["profile": ["name": "Status Person"], "wa_id": "5521987650003"])
        value["contacts"] = contacts
        value["statuses"] = [["id": "wamid.STATUS1", "status": "delivered", "timestamp": "1761060002", "recipient_id": "5521987650003"]]
        change["value"] = value
        entry["changes"] = [change]
        root["entry"] = [entry]
        return root
    }

    /// The one `value` object of a one-item envelope, after checking the envelope's structure.
    static func onlyValue(_ body: Data) throws -> [String: Any] {
        let root = try #require(JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(root["object"] as? String == "whatsapp_business_account")
        let entries = try #require(root["entry"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries[0]["id"] as? String == "104857600000001")
        let changes = try #require(entries[0]["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes[0]["field"] as? String == "messages")
        let value = try #require(changes[0]["value"] as? [String: Any])
        #expect(value["messaging_product"] as? String == "whatsapp")
        #expect((value["metadata"] as? [String: Any])?["phone_number_id"] as? String == "109876543210001")
        let itemCount = (value["messages"] as? [Any] ?? []).count + (value["statuses"] as? [Any] ?? []).count
        #expect(itemCount == 1)
        return value
    }

    static func contactIds(_ value: [String: Any]) -> [String] {
        (value["contacts"] as? [[String: Any]] ?? []).compactMap { $0["wa_id"] as? String }
    }

    @Test func batchSplitsIntoOneEnvelopePerItem() throws {
        let derivation = try derive(json(Self.batch()), source: "meta")
        #expect(derivation.rule == .meta)
        #expect(derivation.isBatch)
        #expect(derivation.items.map(\.key) == ["meta:msg:\(Self.firstId)", "meta:msg:wamid.SECOND", "meta:status:wamid.STATUS1:delivered"])

        let first = try Self.onlyValue(derivation.items[0].body)
        #expect(((first["messages"] as? [[String: Any]])?.first?["id"] as? String) == Self.firstId)
        #expect(Self.contactIds(first) == ["5521987650001"])

        let second = try Self.onlyValue(derivation.items[1].body)
        #expect(((second["messages"] as? [[String: Any]])?.first?["text"] as? [String: Any])?["body"] as? String == "Oi")
        #expect(Self.contactIds(second) == ["5521987650002"])

        let status = try Self.onlyValue(derivation.items[2].body)
        #expect(((status["statuses"] as? [[String: Any]])?.first?["status"] as? String) == "delivered")
        #expect(status["messages"] == nil)
        #expect(Self.contactIds(status) == ["5521987650003"])
    }

    @Test func envelopesAreExactAndKeepMetasMemberOrder() throws {
        let body = """
            {"object":"whatsapp_business_account","entry":[{"id":"E1","changes":[{"value":{"messaging_product":"whatsapp",\
            "metadata":{"display_phone_number":"5511","phone_number_id":"P1"},\
            "contacts":[{"profile":{"name":"A"},"wa_id":"55A"},{"profile":{"name":"B"},"wa_id":"55B"}],\
            "messages":[{"from":"55A","id":"wamid.A","text":{"body":"a\\/\\u00e9"},"type":"text"},{"from":"55B","id":"wamid.B","type":"text"}]},\
            "field":"messages"}]}]}
            """
        let derivation = try derive(Data(body.utf8), source: "meta")
        #expect(derivation.items.map(\.key) == ["meta:msg:wamid.A", "meta:msg:wamid.B"])
        let first = String(decoding: derivation.items[0].body, as: UTF8.self)
        #expect(
            first == """
                {"object":"whatsapp_business_account","entry":[{"id":"E1","changes":[{"value":{"messaging_product":"whatsapp",\
                "metadata":{"display_phone_number":"5511","phone_number_id":"P1"},"contacts":[{"profile":{"name":"A"},"wa_id":"55A"}],\
                "messages":[{"from":"55A","id":"wamid.A","text":{"body":"a/é"},"type":"text"}]},"field":"messages"}]}]}
                """
        )
        let second = String(decoding: derivation.items[1].body, as: UTF8.self)
        #expect(second.contains(#""contacts":[{"profile":{"name":"B"},"wa_id":"55B"}],"messages":[{"from":"55B","id":"wamid.B","type":"text"}]"#))
    }

    @Test func messageWithoutMatchingContactKeepsAllContacts() throws {
        var root = try Self.batch()
        var entry = try #require((root["entry"] as? [[String: Any]])?.first)
        var change = try #require((entry["changes"] as? [[String: Any]])?.first)
        var value = try #require(change["value"] as? [String: Any])
        value["messages"] = [["from": "5599999999999", "id": "wamid.A"], ["from": "5599999999998", "id": "wamid.B"]]
        value["statuses"] = [["id": "wamid.S", "status": "read", "recipient_id": "5599999999997"]]
        change["value"] = value
        entry["changes"] = [change]
        root["entry"] = [entry]
        let derivation = try derive(json(root), source: "meta")
        #expect(derivation.items.count == 3)
        #expect(Self.contactIds(try Self.onlyValue(derivation.items[0].body)).count == 3)
        let status = try Self.onlyValue(derivation.items[2].body)
        #expect(status["contacts"] == nil)
    }

    @Test func sameMessageRetriedInABatchKeepsItsKey() throws {
        let single = try derive(Fixtures.data(Fixtures.metaMessages), source: "meta")
        let batch = try derive(json(Self.batch()), source: "meta")
        #expect(single.items[0].key == batch.items[0].key)
    }

    @Test func statusesOfOneMessageAreDistinct() throws {
        func statusBody(_ status: String) throws -> Data {
            try json([
                "object": "whatsapp_business_account",
                "entry": [
                    [
                        "id": "1",
                        "changes": [
                            [
                                "field": "messages",
                                "value": [
                                    "messaging_product": "whatsapp", "metadata": ["phone_number_id": "2"],
                                    "statuses": [["id": "wamid.X", "status": status, "recipient_id": "55"]],
                                ],
                            ]
                        ],
                    ]
                ],
            ])
        }
        let sent = try key(derive(statusBody("sent"), source: "meta"))
        let read = try key(derive(statusBody("read"), source: "meta"))
        #expect(sent == "meta:status:wamid.X:sent")
        #expect(read == "meta:status:wamid.X:read")
    }

    @Test func notificationWithoutItemsFallsBackToTheRawBody() throws {
        let body = try json([
            "object": "whatsapp_business_account",
            "entry": [["id": "1", "changes": [["field": "account_update", "value": ["event": "VERIFIED_ACCOUNT"]]]]],
        ])
        let derivation = try derive(body, source: "meta")
        #expect(derivation.rule == .rawBody)
        #expect(derivation.items.count == 1)
        #expect(derivation.items[0].body == body)
    }

    @Test func itemsWithoutIdAreStillRecorded() throws {
        let body = try json([
            "object": "whatsapp_business_account",
            "entry": [
                ["id": "1", "changes": [["field": "messages", "value": ["messages": [["from": "55", "type": "text"], ["id": "wamid.Y"]]]]]]
            ],
        ])
        let derivation = try derive(body, source: "meta")
        #expect(derivation.items.count == 2)
        #expect(derivation.items[0].key.hasPrefix("meta:msg:sha256:"))
        #expect(derivation.items[1].key == "meta:msg:wamid.Y")
    }
}
