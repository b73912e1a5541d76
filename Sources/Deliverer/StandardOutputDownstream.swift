import Foundation
import NIOPosix

/// The `-` downstream: one JSON line per entry on standard output (see ``EntryJSON``), for piping into
/// another program or inspecting a stream by hand. Logs go to standard error, so stdout holds only
/// entries. A line is written whole under a lock, so concurrent attempts never interleave. The write
/// blocks while the reading program is slow, so it runs on NIO's thread pool for blocking work, never
/// on a thread of Swift's cooperative pool.
struct StandardOutputDownstream: Downstream {
    private let output = LockedOutput()

    func deliver(_ entry: StreamEntry, attempt: Int) async -> DeliveryResult {
        var line = EntryJSON.line(entry)
        line.append("\n")
        do {
            let output = self.output
            let data = Data(line.utf8)
            try await NIOThreadPool.singleton.runIfActive { try output.write(data) }
            return .delivered
        } catch {
            return .failed("cannot write to standard output: \(error)")
        }
    }

    func shutdown() async {}
}

/// Standard output behind a lock: `write(2)` of a long line may be split, and lines must not mix.
private final class LockedOutput: @unchecked Sendable {
    private let lock = NSLock()

    func write(_ data: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        try FileHandle.standardOutput.write(contentsOf: data)
    }
}
