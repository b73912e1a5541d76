import Logging
import NIOCore

/// Asks Redis Sentinel where the primary is: `SENTINEL get-master-addr-by-name`, to each sentinel in
/// turn until one answers with an address. Each question uses a short-lived connection of its own
/// (plain TCP, `AUTH` with the sentinels' password when set), bounded by the connect timeout, so a
/// dead sentinel costs at most that before the next is asked.
struct SentinelResolver: Sendable {
    let sentinel: RedisConfiguration.Sentinel
    let eventLoop: any EventLoop
    let timeout: Duration
    let logger: Logger

    func primary() async -> Result<RedisConfiguration.Endpoint, RedisError> {
        var failures: [String] = []
        for node in sentinel.nodes {
            let connection = RedisConnection(
                eventLoop: eventLoop,
                configuration: RedisConfiguration(
                    host: node.host, port: node.port, password: sentinel.password, connectTimeout: timeout, commandTimeout: timeout,
                    connections: 1),
                tls: nil, scripts: ScriptRegistry(), logger: logger, label: "sentinel-\(node)")
            defer { connection.close() }
            let reply = await connection.send(
                RedisCommand("SENTINEL", "get-master-addr-by-name", .init(sentinel.primaryName)), timeout: timeout)
            switch reply {
            case .success(let value):
                if let parts = value.array, parts.count == 2, let host = parts[0].string, let portText = parts[1].string,
                    let port = Int(portText)
                {
                    return .success(.init(host: host, port: port))
                }
                failures.append("\(node): \(value.errorMessage ?? "does not know \"\(sentinel.primaryName)\"")")
            case .failure(let error):
                failures.append("\(node): \(error)")
            }
        }
        return .failure(.connection("no sentinel named the primary \"\(sentinel.primaryName)\": \(failures.joined(separator: "; "))"))
    }
}
