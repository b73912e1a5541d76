/// Where one attempt of one entry goes: ``HTTPDownstream`` or ``StandardOutputDownstream``.
protocol Downstream: Sendable {
    /// Makes attempt number `attempt` (1-based) of `entry`. Never throws: every problem is a failure.
    func deliver(_ entry: StreamEntry, attempt: Int) async -> DeliveryResult

    /// Releases what the downstream holds (connections); called once, after the last attempt.
    func shutdown() async
}
