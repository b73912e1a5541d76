/// Everything the client throws. Callers can tell "retry later" (``isTransient``) from "your bug".
public enum RedisError: Error, Sendable, Equatable {
    /// The connection could not be made or broke; the command may or may not have run on the server.
    case connection(String)
    /// No reply within the command's deadline; the command may or may not have run on the server.
    case timeout(String)
    /// The server answered with an error reply (`-ERR ...`), carrying its message.
    case server(String)
    /// A reply that does not have the shape the caller expects, or bytes the RESP reader rejects.
    case `protocol`(String)
    /// The client was shut down.
    case closed
    /// The calling task was cancelled; the command may or may not have run on the server, and its
    /// reply, if it comes, is dropped.
    case cancelled

    /// True for errors that a later retry may not see: connection loss and timeouts.
    public var isTransient: Bool {
        switch self {
        case .connection, .timeout, .closed: return true
        case .cancelled: return false
        case .server, .protocol: return false
        }
    }
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connection(let m): return "redis connection error: \(m)"
        case .timeout(let m): return "redis timeout: \(m)"
        case .server(let m): return "redis error: \(m)"
        case .protocol(let m): return "redis protocol error: \(m)"
        case .closed: return "redis client closed"
        case .cancelled: return "redis command cancelled"
        }
    }
}
