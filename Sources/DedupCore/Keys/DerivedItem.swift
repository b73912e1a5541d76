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

    public init(key: String, body: Data, entryPoint: String? = nil) {
        self.key = key
        self.body = body
        self.entryPoint = entryPoint
    }
}
