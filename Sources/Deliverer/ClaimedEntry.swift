/// An entry this deliverer has just claimed from the group, with the attempt it is about to make.
///
/// `attempt` is the group's delivery counter for the entry after the claim (`XREADGROUP >` sets it to
/// 1, every `XCLAIM`/`XAUTOCLAIM` adds 1), so attempt numbers keep counting across deliverer
/// restarts and take-overs.
struct ClaimedEntry: Sendable {
    var entry: StreamEntry
    var attempt: Int
}
