import NIOCore

/// One caller's command (or contiguous pipeline of commands) and the way back to that caller.
///
/// The caller fills in ``continuation`` before it hands the request to the connection's event loop;
/// from then on every field is read and written on that loop only, so the continuation is resumed
/// exactly once without a lock: by the reply, the deadline, the caller's cancellation or the loss of
/// the connection, whichever comes first. A request that finished early stays in the connection's
/// in-flight queue until its reply arrives, so later replies still match their callers; that late
/// reply is dropped.
final class RedisRequest: @unchecked Sendable {
    enum Resumption {
        case one(UnsafeContinuation<Result<RESPValue, RedisError>, Never>)
        case many(UnsafeContinuation<Result<[RESPValue], RedisError>, Never>)
        /// The connection's own set-up commands (AUTH, SELECT, SCRIPT LOAD...).
        case setup(@Sendable (Result<[RESPValue], RedisError>) -> Void)
    }

    /// The single command of the common case: no array is allocated for it.
    let command: RedisCommand?
    /// The commands of a pipeline (empty when ``command`` is set).
    let batch: [RedisCommand]
    let deadline: NIODeadline
    var resumption: Resumption?

    // Event loop only.
    private(set) var finished = false
    /// The loop has taken the request (queued or written it).
    var submitted = false
    /// When it was written to the channel.
    var writtenAt = NIODeadline.uptimeNanoseconds(0)
    /// The caller was cancelled before the loop saw the request.
    var cancelRequested = false
    /// Replies gathered so far for a pipeline.
    private var replies: [RESPValue] = []
    /// Replies still owed by the server for this request (set when it is written).
    private(set) var owed = 0

    init(command: RedisCommand, deadline: NIODeadline) {
        self.command = command
        self.batch = []
        self.deadline = deadline
    }

    init(batch: [RedisCommand], deadline: NIODeadline, resumption: Resumption? = nil) {
        self.command = nil
        self.batch = batch
        self.deadline = deadline
        self.resumption = resumption
    }

    var replyCount: Int { command == nil ? batch.count : 1 }

    /// Appends the formatted commands to `buffer` and starts owing their replies.
    func write(into buffer: inout ByteBuffer) {
        if let command {
            command.formatted.write(into: &buffer)
        } else {
            for command in batch { command.formatted.write(into: &buffer) }
        }
        owed = replyCount
    }

    /// Takes one reply (the next reply is the next request's once ``owed`` is 0). Replies for a
    /// finished request are dropped.
    func receive(_ value: RESPValue) {
        owed -= 1
        guard !finished, let resumption else { return }
        switch resumption {
        case .one(let continuation):
            finished = true
            continuation.resume(returning: .success(value))
        case .many(let continuation):
            if let values = gather(value) { continuation.resume(returning: .success(values)) }
        case .setup(let callback):
            if let values = gather(value) { callback(.success(values)) }
        }
    }

    /// Adds a pipeline's reply; all of them once the last has come.
    private func gather(_ value: RESPValue) -> [RESPValue]? {
        replies.append(value)
        guard owed == 0 else { return nil }
        finished = true
        defer { replies = [] }
        return replies
    }

    func fail(_ error: RedisError) {
        guard !finished, let resumption else { return }
        finished = true
        replies = []
        switch resumption {
        case .one(let continuation): continuation.resume(returning: .failure(error))
        case .many(let continuation): continuation.resume(returning: .failure(error))
        case .setup(let callback): callback(.failure(error))
        }
    }
}
