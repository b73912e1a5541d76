internal import Foundation

/// A Meta WhatsApp Cloud API notification (`"object":"whatsapp_business_account"`).
///
/// Meta batches several messages and statuses into one POST and retries the whole POST, so each
/// `entry[].changes[].value.messages[]` / `statuses[]` item is keyed on its own and, when there are
/// several, recorded as its own stream entry: downstream then receives each new item once, in a
/// body it already knows how to read.
///
/// Splitting must not drop anything the POST said. What no item envelope carries — a change with
/// neither messages nor statuses (an account or template update riding along), an entry without
/// changes, contacts no item names — becomes a ``Part/rest(_:)`` entry of its own, keyed by the hash
/// of its canonical form, so Meta's resend of the same POST is a duplicate there too.
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

    /// What a split POST is recorded as, in the order of the POST.
    enum Part {
        case item(Item)
        /// An `entry[]` element holding only what no item envelope carries.
        case rest(JSONValue)
    }

    let root: JSONObject
    let parts: [Part]
    let items: [Item]

    /// Nil when the object is not a Cloud API notification.
    init?(_ root: JSONObject) {
        guard root["object"]?.stringValue == "whatsapp_business_account" else { return nil }
        self.root = root
        var parts: [Part] = []
        for entryValue in root["entry"]?.arrayValue ?? [] {
            guard let entry = entryValue.objectValue, let changes = entry["changes"]?.arrayValue, !changes.isEmpty else {
                parts.append(.rest(entryValue))
                continue
            }
            for changeValue in changes {
                parts += Self.parts(of: changeValue, in: entry)
            }
        }
        self.parts = parts
        self.items = parts.compactMap { part in
            if case .item(let item) = part { return item }
            return nil
        }
    }

    /// The items of one change, then its rest: the change itself when it has no item, else its
    /// `value` without the item arrays and without the contacts the items' envelopes carry, when
    /// anything is left of those three (a contact no item names, a `messages` that is not an array
    /// beside `statuses` items).
    /// Every other member of `value`, the change, the entry and the root is in each item envelope.
    private static func parts(of changeValue: JSONValue, in entry: JSONObject) -> [Part] {
        guard let change = changeValue.objectValue, let value = change["value"]?.objectValue else {
            return [.rest(entryHolding(changeValue, in: entry))]
        }
        var items: [Item] = []
        for message in value["messages"]?.arrayValue ?? [] {
            items.append(Item(kind: .message, key: key(message: message), element: message, entry: entry, change: change, value: value))
        }
        for status in value["statuses"]?.arrayValue ?? [] {
            items.append(Item(kind: .status, key: key(status: status), element: status, entry: entry, change: change, value: value))
        }
        guard !items.isEmpty else { return [.rest(entryHolding(changeValue, in: entry))] }

        var rest = value
        if value["messages"]?.arrayValue != nil { rest["messages"] = nil }
        if value["statuses"]?.arrayValue != nil { rest["statuses"] = nil }
        if let contacts = value["contacts"]?.arrayValue {
            let carried = Set(items.flatMap { carriedContacts($0, of: contacts) })
            let left = contacts.indices.filter { !carried.contains($0) }.map { contacts[$0] }
            rest["contacts"] = left.isEmpty ? nil : .array(left)
        } else {
            rest["contacts"] = nil  // not an array: every envelope keeps it as it is
        }
        guard rest["contacts"] != nil || rest["messages"] != nil || rest["statuses"] != nil else { return items.map(Part.item) }
        var restChange = change
        restChange["value"] = .object(rest)
        return items.map(Part.item) + [.rest(entryHolding(.object(restChange), in: entry))]
    }

    private static func entryHolding(_ change: JSONValue, in entry: JSONObject) -> JSONValue {
        var entry = entry
        entry["changes"] = .array([change])
        return .object(entry)
    }

    /// One ``DerivedItem`` per part; nil when there is no item (e.g. only an account update), so the
    /// raw-body rule keys it. A single item keeps the original bytes, and with them everything else
    /// the POST carried; several get one envelope each, and the rest entries their own.
    /// Items repeated within one POST are kept: the accept script answers the second as a duplicate.
    func derivedItems(originalBody: Data) -> [DerivedItem]? {
        guard !items.isEmpty else { return nil }
        if items.count == 1 {
            return [DerivedItem(key: items[0].key, body: originalBody, json: .object(root))]
        }
        return parts.map { part in
            switch part {
            case .item(let item):
                let envelope = envelope(for: item)
                return DerivedItem(key: item.key, body: JSONWriter.preservingOrder(envelope), json: envelope)
            case .rest(let entry):
                var root = root
                root["entry"] = .array([entry])
                return DerivedItem(key: Self.key(rest: .object(root)), body: JSONWriter.preservingOrder(.object(root)), json: .object(root))
            }
        }
    }

    /// The indices of `contacts` that the envelope of `item` holds: for a message those whose `wa_id`
    /// equals its `from` (all of them if none match, so no profile is lost), for a status those whose
    /// `wa_id` equals its `recipient_id`.
    private static func carriedContacts(_ item: Item, of contacts: [JSONValue]) -> [Int] {
        let id = item.element[item.kind == .message ? "from" : "recipient_id"]?.stringValue
        let matching = contacts.indices.filter { id != nil && contacts[$0]["wa_id"]?.stringValue == id }
        return item.kind == .message && matching.isEmpty ? Array(contacts.indices) : matching
    }

    /// A Cloud API notification holding only `item`, in the member order Meta used: every field of
    /// the root, entry, change and value is kept (`id`, `field`, `messaging_product`, `metadata`,
    /// ...), the item array holds just this item (the other item array is dropped), and `contacts`
    /// (when an array) only those of ``carriedContacts(_:of:)``.
    func envelope(for item: Item) -> JSONValue {
        var value = item.value
        switch item.kind {
        case .message:
            value["statuses"] = nil
            value["messages"] = .array([item.element])
        case .status:
            value["messages"] = nil
            value["statuses"] = .array([item.element])
        }
        if let contacts = value["contacts"]?.arrayValue {
            let carried = Self.carriedContacts(item, of: contacts).map { contacts[$0] }
            value["contacts"] = carried.isEmpty ? nil : .array(carried)
        }
        var change = item.change
        change["value"] = .object(value)
        var entry = item.entry
        entry["changes"] = .array([.object(change)])
        var root = root
        root["entry"] = .array([.object(entry)])
        return .object(root)
    }

    /// `meta:msg:<id>`; an item without an id is keyed by its canonical hash rather than dropped.
    static func key(message: JSONValue) -> String {
        if let id = message["id"]?.nonEmptyString {
            return DedupKey.make(kind: "meta:msg", values: [id])
        }
        return DedupKey.make(kind: "meta:msg", values: [], digestHex: JSONWriter.canonicalSHA256Hex(message))
    }

    /// `meta:change:sha256:<hex>` over the canonical rest envelope: its content is all it has.
    static func key(rest envelope: JSONValue) -> String {
        DedupKey.make(kind: "meta:change", values: [], digestHex: JSONWriter.canonicalSHA256Hex(envelope))
    }

    /// `meta:status:<id>:<status>`: sent, delivered and read of one message are three events.
    static func key(status: JSONValue) -> String {
        if let id = status["id"]?.nonEmptyString {
            return DedupKey.make(kind: "meta:status", values: [id, status["status"]?.keyText])
        }
        return DedupKey.make(kind: "meta:status", values: [], digestHex: JSONWriter.canonicalSHA256Hex(status))
    }
}
