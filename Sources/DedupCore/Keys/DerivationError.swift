/// Why a request cannot be keyed; the receiver answers 400 `invalid_json`.
///
/// Only a body that claims to be JSON can fail: anything else is keyed by its raw bytes. Rejecting
/// broken JSON (instead of hashing it) is what the contract promises, and a 400 is one of the few
/// statuses Evolution does not retry, so a broken sender does not loop forever.
public enum DerivationError: Error, Sendable, Equatable {
    /// The body is JSON by content type (`application/json`, `*/*+json`, or no content type and a
    /// body starting with `{` or `[`) but does not parse. The message says why, without echoing the
    /// body.
    case invalidJSON(String)
}

extension DerivationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidJSON(let message): "invalid JSON: \(message)"
        }
    }
}
