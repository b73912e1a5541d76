internal import Foundation

/// A Meta WhatsApp Cloud API notification (`"object":"whatsapp_business_account"`).
///
/// Meta batches several messages and statuses into one POST and retries the whole POST, so each
/// `entry[].changes[].value.messages[]` / `statuses[]` item is keyed on its own and, when there are
/// several, recorded as its own stream entry: downstream then receives each new item once, in a
/// body it already knows how to read.
struct MetaNotification {
    enum Kind {
        case message
        case status
    }

    /// One keyed item with the containers it came from, needed to rebuild its envelope.
    struct Item {
        let kind: Kind
        let key: String
        let element: JSONValue
        let entry: JSONObject
        let change: JSONObject
        let value: JSONObject
    }

    let root: JSONObject
    let items: [Item]

    /// Nil when the object is not a Cloud API notification.
    init?(_ root: JSONObject) {
        guard root["object"]?.stringValue == "whatsapp_business_account" else { return nil }
        self.root = root
        var items: [Item] = []
        for entry in root["entry"]?.arrayValue ?? [] {
            guard let entry = entry.objectValue else { continue }
            for change in entry["changes"]?.arrayValue ?? [] {
                guard let change = change.objectValue, let value = change["value"]?.objectValue else { continue }
                for message in value["messages"]?.arrayValue ?? [] {
                    items.append(Item(kind: .message, key: Self.key(message: message), element: message, entry: entry, change: change, value: value))
                }
                for status in value["statuses"]?.arrayValue ?? [] {
                    items.append(Item(kind: .status, key: Self.key(status: status), element: status, entry: entry, change: change, value: value))
                }
            }
        }
        self.items = items
    }

    /// One ``DerivedItem`` per item; nil when there is no item (e.g. an account update), so the
    /// raw-body rule keys it. A single item keeps the original bytes; several get one envelope each.
    /// Items repeated within one POST are kept: the accept script answers the second as a duplicate.
    func derivedItems(originalBody: Data) -> [DerivedItem]? {
        guard !items.isEmpty else { return nil }
        if items.count == 1 {
            return [DerivedItem(key: items[0].key, body: originalBody)]
        }
        return items.map { DerivedItem(key: $0.key, body: envelope(for: $0)) }
    }

    /// A Cloud API notification holding only `item`, in the member order Meta used: every field of
    /// the root, entry, change and value is kept (`id`, `field`, `messaging_product`, `metadata`,
    /// ...), the item array holds just this item (the other item array is dropped), and `contacts`
    /// only the matching contacts: for a message those whose `wa_id` equals its `from` (all contacts
    /// if none match, so no profile is lost), for a status those whose `wa_id` equals its
    /// `recipient_id` (no `contacts` otherwise).
    func envelope(for item: Item) -> Data {
        var value = item.value
        let contacts = value["contacts"]?.arrayValue ?? []
        func contactsMatching(_ id: String?) -> [JSONValue] {
            guard let id else { return [] }
            return contacts.filter { $0["wa_id"]?.stringValue == id }
        }
        switch item.kind {
        case .message:
            value["statuses"] = nil
            value["messages"] = .array([item.element])
            let matching = contactsMatching(item.element["from"]?.stringValue)
            if !matching.isEmpty { value["contacts"] = .array(matching) }
        case .status:
            value["messages"] = nil
            value["statuses"] = .array([item.element])
            let matching = contactsMatching(item.element["recipient_id"]?.stringValue)
            value["contacts"] = matching.isEmpty ? nil : .array(matching)
        }
        var change = item.change
        change["value"] = .object(value)
        var entry = item.entry
        entry["changes"] = .array([.object(change)])
        var root = root
        root["entry"] = .array([.object(entry)])
        return JSONWriter.preservingOrder(.object(root))
    }

    /// `meta:msg:<id>`; an item without an id is keyed by its canonical hash rather than dropped.
    static func key(message: JSONValue) -> String {
        if let id = message["id"]?.nonEmptyString {
            return DedupKey.make(kind: "meta:msg", values: [id])
        }
        return DedupKey.make(kind: "meta:msg", values: [], digestHex: JSONWriter.canonicalSHA256Hex(message))
    }

    /// `meta:status:<id>:<status>`: sent, delivered and read of one message are three events.
    static func key(status: JSONValue) -> String {
        if let id = status["id"]?.nonEmptyString {
            return DedupKey.make(kind: "meta:status", values: [id, status["status"]?.keyText])
        }
        return DedupKey.make(kind: "meta:status", values: [], digestHex: JSONWriter.canonicalSHA256Hex(status))
    }
}
