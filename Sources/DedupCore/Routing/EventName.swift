/// The event name a route's `events:` filter compares, read where each sender puts it.
///
/// Names are normalised (lower case, `_` and `-` read as `.`), so Evolution's `messages.upsert` in
/// the body, `MESSAGES_UPSERT` in older versions and `/messages-upsert` in its per-event URLs are one
/// event.
public enum EventName {
    public static func normalize(_ name: String) -> String {
        String(name.lowercased().map { $0 == "_" || $0 == "-" ? "." : $0 })
    }

    /// The message's event: the first of `pointers` that names one in the body (the sender
    /// profile's ``SenderProfile/eventPointers``), else the last segment of the path after the
    /// source (Evolution's per-event URLs).
    static func of(body: JSONValue?, path: String, pointers: [JSONPointer]) -> String? {
        if let body {
            for pointer in pointers {
                if let name = pointer.resolve(in: body)?.nonEmptyString { return normalize(name) }
            }
        }
        let last = path.split(separator: "/").last.map(String.init)
        return last.map(normalize)
    }
}
