/// The event name a route's `events:` filter compares, read where each sender puts it.
///
/// Names are normalised (lower case, `_` and `-` read as `.`), so Evolution's `messages.upsert` in
/// the body, `MESSAGES_UPSERT` in older versions and `/messages-upsert` in its per-event URLs are one
/// event.
public enum EventName {
    public static func normalize(_ name: String) -> String {
        String(name.lowercased().map { $0 == "_" || $0 == "-" ? "." : $0 })
    }

    /// The message's event: from the body by the sender's convention (Meta: the change's `field`;
    /// Slack: `event.type`; Stripe and others: `type`; Evolution and others: `event`), else the last
    /// segment of the path after the source (Evolution's per-event URLs).
    static func of(body: JSONValue?, path: String, profile: SenderProfile?) -> String? {
        let pointers: [[String]]
        switch profile?.name {
        case "meta": pointers = [["entry", "0", "changes", "0", "field"]]
        case "slack": pointers = [["event", "type"], ["type"]]
        case "stripe": pointers = [["type"]]
        default: pointers = [["event"], ["type"]]
        }
        if let body {
            for tokens in pointers {
                var current: JSONValue? = body
                for token in tokens {
                    if case .array(let items) = current, let index = Int(token), items.indices.contains(index) {
                        current = items[index]
                    } else {
                        current = current?[token]
                    }
                }
                if let name = current?.nonEmptyString { return normalize(name) }
            }
        }
        let last = path.split(separator: "/").last.map(String.init)
        return last.map(normalize)
    }
}
