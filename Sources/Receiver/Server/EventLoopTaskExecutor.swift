import NIOCore

/// Runs a task's jobs on one SwiftNIO event loop.
///
/// A request handler started with this executor as its preference (`withTaskExecutorPreference`)
/// runs on the loop that owns its HTTP connection, and so does everything it awaits that does not
/// demand another executor: the Redis client's connection on the same loop takes the command
/// without a hop, and the reply resumes the handler on the same thread. Without it each request
/// would cross from the loop to Swift's cooperative pool and back at every await.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
