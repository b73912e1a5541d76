/// How a POST ended, the `outcome` label of `webhook_requests_total`.
enum Outcome: String, Sendable, CaseIterable {
    case accepted, duplicate, partial, rejected, limited, error
}
