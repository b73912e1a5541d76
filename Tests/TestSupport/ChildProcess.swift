public import Foundation

/// A process a test starts (redis-server, redis-sentinel, a proxy script), stopped without ever
/// blocking a thread of Swift's cooperative pool: `kill()` sends SIGKILL and returns, `terminate()`
/// sends SIGTERM and polls with `Task.sleep` (Foundation reaps the child either way).
public final class ChildProcess: @unchecked Sendable {
    private let process: Process

    private init(process: Process) {
        self.process = process
    }

    /// Runs `arguments` through `/usr/bin/env` (so the first is looked up on `PATH`), its output
    /// appended to `log` or discarded.
    public static func launch(_ arguments: [String], log: URL? = nil) throws -> ChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return ChildProcess(process: process)
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// Sends `signal` (e.g. SIGSTOP / SIGCONT) if the process still runs.
    public func signal(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// SIGKILL: immediate, nothing to wait for.
    public func kill() {
        signal(SIGKILL)
    }

    /// SIGTERM, then up to `grace` for the process to exit, then SIGKILL.
    public func terminate(grace: Duration = .seconds(5)) async {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill()
    }
}
