import Foundation

/// Loopback ports nobody listens on, from the kernel (bind to port 0), so tests that start their
/// own servers in parallel never pick the same port by chance.
public enum FreePort {
    public static func loopback() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FreePortError(errno: errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw FreePortError(errno: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw FreePortError(errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `count` distinct free ports.
    public static func loopback(count: Int) throws -> [Int] {
        var ports: [Int] = []
        while ports.count < count {
            let port = try loopback()
            if !ports.contains(port) { ports.append(port) }
        }
        return ports
    }
}

public struct FreePortError: Error, CustomStringConvertible {
    public let errno: Int32
    public var description: String { "no free loopback port: \(String(cString: strerror(errno)))" }
}
