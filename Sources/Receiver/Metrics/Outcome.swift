/// How a request ended, the `outcome` label of `webhook_requests_total`. `handshake` is a sender's
/// handshake (Meta's GET, Slack's `url_verification`) answered without recording anything.
enum Outcome: String, Sendable, CaseIterable {
    case accepted, duplicate, partial, rejected, limited, error, handshake
}
