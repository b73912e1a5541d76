public import Foundation

/// One message to record: a POST gives one, a Meta or SendGrid batch one per item.
public struct DerivedItem: Sendable, Equatable {
    /// The dedup key K: it names `wd:{s}:seen:SOURCE:K` and is echoed in the answer and downstream
    /// headers, so it is built to be readable in `redis-cli` and bounded (see ``DedupKey``).
    public var key: String
    /// Bytes to store: the request body as received (same storage, not a copy), the one-item
    /// envelope of a split batch, or the body without the source's redacted fields
    /// (`drop_apikey`).
    public var body: Data
    /// Evolution's `contextInfo.entryPointConversionSource` when present, so metrics can show which
    /// entry points (e.g. `click_to_chat_link`) produce duplicates; nil otherwise.
    public var entryPoint: String?
    /// The message as the key rules read it (header fields a profile fills in included), for routes
    /// and `order_by`: the tree of `body`, so nothing parses it again. Nil when it is not JSON.
    var json: JSONValue?

    public init(key: String, body: Data, entryPoint: String? = nil) {
        self.init(key: key, body: body, entryPoint: entryPoint, json: nil)
    }

    init(key: String, body: Data, entryPoint: String? = nil, json: JSONValue?) {
        self.key = key
        self.body = body
        self.entryPoint = entryPoint
        self.json = json
    }

    /// Items are equal when key, stored bytes and entry point are: `json` is a reading of the same
    /// message, not more of it.
    public static func == (a: DerivedItem, b: DerivedItem) -> Bool {
        a.key == b.key && a.body == b.body && a.entryPoint == b.entryPoint
    }
}
