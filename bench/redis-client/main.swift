import Foundation
import RedisClient

/// Measures the client's throughput for `SET key value NX EX ttl` with N concurrent tasks.
/// Usage: redis-client-bench REDIS_URL [tasks=64] [seconds=5] [connections=0, one per event loop]
/// (`rediss://` takes its TLS settings from WD_REDIS_TLS_*).
/// Prints one line: `client_set_nx_ex_per_sec=<rate> tasks=<n> connections=<c> commands=<total> errors=<e>`.
@main
enum RedisClientBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let url = arguments.count > 1 ? arguments[1] : "redis://127.0.0.1:6379/0"
        let tasks = arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64
        let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 5 : 5
        var configuration = try RedisConfiguration(url: url, environment: ProcessInfo.processInfo.environment)
        configuration.connections = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 0
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        _ = try await redis.command("PING")

        let value = RedisArgument(String(repeating: "v", count: 64))
        // A fresh prefix per run, so every SET creates a key as it would in production.
        let run = UInt32.random(in: 0...UInt32.max)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let (count, errors) = await withTaskGroup(of: (Int, Int).self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var done = 0
                    var failed = 0
                    var n = 0
                    let prefix = "bench:\(run):\(task):"
                    // The clock is read every 16 commands: it is the harness's cost, not the client's.
                    while n % 16 != 0 || ContinuousClock.now < deadline {
                        n += 1
                        do {
                            _ = try await redis.command("SET", RedisArgument(prefix + String(n)), value, "NX", "EX", 60)
                            done += 1
                        } catch {
                            failed += 1
                        }
                    }
                    return (done, failed)
                }
            }
            var total = (0, 0)
            for await (done, failed) in group {
                total.0 += done
                total.1 += failed
            }
            return total
        }
        let elapsed = ContinuousClock.now - start
        let rate = Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        print("client_set_nx_ex_per_sec=\(Int(rate)) tasks=\(tasks) connections=\(configuration.connections) commands=\(count) errors=\(errors)")
    }
}
