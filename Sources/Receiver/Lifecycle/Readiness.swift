import Synchronization

/// Whether the receiver should be given new traffic. Set once SIGTERM arrives; /readyz then answers
/// 503 so load balancers move traffic away while requests already routed here are still served.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func startDraining() { draining.store(true, ordering: .relaxed) }
}
