import DedupCore
import Logging
import RedisClient
import ServiceLifecycle

/// The deliverer's event loop: one task owns all delivery state and reacts to what its child tasks
/// report (a read, an attempt's outcome, a sweep, a clock tick, shutdown).
///
/// Keeping the state in one place means no locks: the children (reads, attempts, sweeps, timers)
/// only do I/O and return an ``Event``. The loop keeps at most `WD_CONCURRENCY` attempts running.
/// A failed entry gives its slot back at once and waits for its retry as a deadline in ``held``,
/// not as a sleeping task, so one slow or failing message never holds up the others; while it waits
/// it stays pending in the group, and the sweep keeps it touched so nobody takes it over.
///
/// Delivered entries are acknowledged by one child at a time, each taking everything delivered
/// since the last one began: under load the batches grow by themselves, and Redis runs one script
/// call per batch instead of one per entry.
///
/// Ownership: an entry is this deliverer's only while it is pending at it in the group. A peer
/// takes an entry over only after it was left untouched for `WD_CLAIM_IDLE_MS`, which a live
/// deliverer never allows (``DelivererConfiguration/longestTouchGap``) but a stopped or starved one
/// can. Whatever the scheduler finds no longer its own (through a sweep's touch, a retry's claim, a
/// dead letter, or the check an attempt makes when its entry was last touched a sweep interval or
/// more ago) it drops without a word downstream. So after such a stall only the attempts that were
/// already in flight can reach the downstream a second time.
///
/// Touch times are taken when the Redis command that reset the entry's idle time was *sent*: Redis
/// cannot have reset it earlier, so `now - touched` bounds the entry's idle time from above even
/// when the process was stopped while the reply was on its way.
///
/// Shutdown: stop reading and claiming, let the attempts in flight finish and their entries be
/// acknowledged (bounded by ``DelivererConfiguration/drainTimeout``, after which attempts are
/// cancelled; a cancelled attempt is not a failed one), keep touching what is held meanwhile, then
/// hand every entry still held and still its own back to the group with an idle time that lets
/// other deliverers claim it at once.
struct DeliveryScheduler {
    private enum Event: Sendable {
        case read(Result<[ClaimedEntry], RedisError>, issuedAt: ContinuousClock.Instant)
        case attempted(EntryRef, DeliveryAttempt.Outcome)
        case swept(GroupSweep.Result, issuedAt: ContinuousClock.Instant)
        case acknowledged([Delivered], RedisError?)
        case tick
        case shutdown
        case drainDeadline
    }

    /// An entry this deliverer is responsible for: pending under its name in the group.
    private struct Held {
        enum State {
            case queued
            case attempting
            case delivered
            case waiting(until: ContinuousClock.Instant)
        }

        var state: State
        /// Attempts already made, for the retry and for handing the entry back.
        var attemptsMade: Int
        /// When this deliverer last sent a command that reset the entry's idle time in Redis (read,
        /// claim or touch): the entry has been idle at most `now - touched`.
        var touched: ContinuousClock.Instant
    }

    /// An entry the downstream took, waiting for its acknowledgement.
    private struct Delivered: Sendable {
        var ref: EntryRef
        var source: String
    }

    private let configuration: DelivererConfiguration
    private let group: ConsumerGroup
    private let metrics: DeliveryMetrics
    private let attempt: DeliveryAttempt
    private let sweep: GroupSweep
    private let logger: Logger
    private let tickInterval: Duration

    private var held: [EntryRef: Held] = [:]
    private var queue = JobQueue()
    private var attempting = 0
    private var waiting = 0
    /// A read (`XREADGROUP`) is in flight; there is at most one.
    private var reading = false
    private var readerPausedUntil: ContinuousClock.Instant?
    private var unacknowledged: [Delivered] = []
    private var acknowledging = false
    private var acknowledgePausedUntil: ContinuousClock.Instant?
    private var sweeping = false
    private var nextSweep = ContinuousClock.now
    private var cursors: GroupSweep.Cursors
    private var stopping = false
    private var drainExpired = false

    init(configuration: DelivererConfiguration, group: ConsumerGroup, downstream: any Downstream, logger: Logger) {
        let metrics = DeliveryMetrics(destination: configuration.destination)
        self.metrics = metrics
        self.configuration = configuration
        self.group = group
        let rate = configuration.rate.map { rule in
            DeliveryRate(
                redis: group.redis, keys: RedisKeys(prefix: configuration.keyPrefix), shards: configuration.shards,
                destination: configuration.destination, rule: rule)
        }
        self.attempt = DeliveryAttempt(
            group: group, downstream: downstream, policy: configuration.retryPolicy, rate: rate, metrics: metrics, logger: logger)
        self.sweep = GroupSweep(group: group, claimIdle: configuration.claimIdle, metrics: metrics, logger: logger)
        self.logger = logger
        self.cursors = GroupSweep.Cursors(shards: configuration.shards)
        self.tickInterval = min(max(min(configuration.retryBase, configuration.sweepInterval) / 2, .milliseconds(5)), .milliseconds(100))
    }

    /// Runs until graceful shutdown (or cancellation) and the drain that follows.
    mutating func run() async {
        await withTaskGroup(of: Event.self) { tasks in
            tasks.addTask {
                try? await gracefulShutdown()
                return .shutdown
            }
            addTick(to: &tasks)
            startWork(in: &tasks)
            while let event = await tasks.next() {
                if Task.isCancelled && !stopping { beginStopping(&tasks) }
                handle(event, in: &tasks)
                if stopping && attempting == 0 && !reading && !sweeping && !acknowledging && (unacknowledged.isEmpty || drainExpired) {
                    break
                }
                startWork(in: &tasks)
            }
            tasks.cancelAll()
        }
        await releaseHeld()
    }

    // MARK: - Events

    private mutating func handle(_ event: Event, in tasks: inout TaskGroup<Event>) {
        let now = ContinuousClock.now
        switch event {
        case .read(.success(let entries), let issuedAt):
            reading = false
            for claimed in entries { take(claimed, touchedAt: issuedAt) }
        case .read(.failure(let error), _):
            reading = false
            readerPausedUntil = now + .seconds(1)
            logger.warning("cannot read the streams; trying again in 1 s", metadata: ["error": "\(error)"])
        case .attempted(let ref, let outcome):
            attempting -= 1
            finishAttempt(ref, outcome, now: now)
        case .swept(let result, let issuedAt):
            sweeping = false
            cursors = result.cursors
            nextSweep = now + configuration.sweepInterval
            for ref in result.touched {
                if let touched = held[ref]?.touched { held[ref]?.touched = max(touched, issuedAt) }
            }
            for ref in result.notOwned {
                // An entry queued or waiting is dropped here (a queued job is skipped when its turn
                // comes). One in flight finishes its attempt, and one delivered is acknowledged: the
                // downstream has it, whoever holds the entry now (see DeliveryScripts.acknowledge).
                switch held[ref]?.state {
                case .queued: drop(ref, reason: "touch")
                case .waiting:
                    waiting -= 1
                    drop(ref, reason: "touch")
                case .attempting, .delivered, nil: break
                }
            }
            for claimed in result.claimed { take(claimed, touchedAt: issuedAt) }
        case .tick:
            // While stopping, the clock starts the sweeps that keep attempts in flight touched and
            // retries a failed acknowledgement; nothing else.
            if !stopping || (!drainExpired && (attempting > 0 || !unacknowledged.isEmpty)) { addTick(to: &tasks) }
            if waiting > 0 && !stopping { queueDueRetries(now: now) }
        case .shutdown:
            if !stopping { beginStopping(&tasks) }
        case .acknowledged(let batch, nil):
            acknowledging = false
            for item in batch {
                held[item.ref] = nil
                metrics.delivered(source: item.source)
            }
        case .acknowledged(let batch, let error?):
            acknowledging = false
            unacknowledged = batch + unacknowledged
            acknowledgePausedUntil = now + .seconds(1)
            logger.warning(
                "cannot acknowledge delivered entries; trying again in 1 s",
                metadata: ["entries": "\(unacknowledged.count)", "error": "\(error)"])
        case .drainDeadline:
            drainExpired = true
            if attempting > 0 {
                logger.warning("attempts still in flight after the drain time; cancelling them", metadata: ["attempts": "\(attempting)"])
                tasks.cancelAll()
            }
        }
    }

    /// Starts what the state allows: one acknowledgement batch and one touching sweep (also while
    /// stopping), attempts up to the concurrency, one read, one claiming sweep.
    private mutating func startWork(in tasks: inout TaskGroup<Event>) {
        let now = ContinuousClock.now
        if !acknowledging, !unacknowledged.isEmpty, acknowledgePausedUntil.map({ now >= $0 }) ?? true {
            acknowledging = true
            let batch = Array(unacknowledged.prefix(ConsumerGroup.batchLimit))
            unacknowledged.removeFirst(batch.count)
            let group = self.group
            tasks.addTask {
                do throws(RedisError) {
                    try await group.acknowledge(batch.map(\.ref))
                    return .acknowledged(batch, nil)
                } catch {
                    return .acknowledged(batch, error)
                }
            }
        }
        if stopping {
            // Draining: attempts in flight stay touched, so no peer takes them over mid-attempt.
            if !drainExpired && !sweeping && now >= nextSweep { startSweep(room: 0, now: now, in: &tasks) }
            return
        }
        let stale = now - configuration.sweepInterval
        while attempting < configuration.concurrency, let job = queue.popFirst() {
            // Skipped: dropped as not owned while queued, or queued twice (dropped, then claimed anew).
            guard let entry = held[job.ref], case .queued = entry.state else { continue }
            held[job.ref]?.state = .attempting
            attempting += 1
            let attempt = self.attempt
            let confirm = entry.touched <= stale
            tasks.addTask { .attempted(job.ref, await attempt.run(job, confirmOwnership: confirm)) }
        }
        // Free read-ahead. The read in flight and the sweep in flight may each fill it, so entries held
        // stay under about twice `readAhead`.
        let room = configuration.readAhead - queue.count - attempting
        // While an earlier run's pending list is being claimed, sweep again as soon as there is room.
        if !sweeping && (now >= nextSweep || (cursors.recoveringOwnPending && room > 0)) {
            // Taking over a dead deliverer's entries comes before reading new ones: a busy stream
            // must not keep old entries waiting, so each sweep may claim a quarter of the read-ahead
            // even when the queue is full.
            startSweep(room: waiting < configuration.maxWaitingRetries ? max(room, configuration.readAhead / 4) : 0, now: now, in: &tasks)
        }
        // The own pending list of an earlier run goes first; new entries after it. A read waits until
        // half the read-ahead is free: refilling one entry per finished attempt would make one round
        // trip per entry, and the reads, one at a time, would cap the throughput. `XREADGROUP` applies
        // its COUNT to each stream, so each shard is asked for an equal share of the room (at least
        // one: the read-ahead is at least twice the shards) and one read never exceeds the room.
        if !reading, !cursors.recoveringOwnPending, room >= max(configuration.readAhead / 2, 1), waiting < configuration.maxWaitingRetries,
            readerPausedUntil.map({ now >= $0 }) ?? true
        {
            reading = true
            let group = self.group
            let block = configuration.readBlock
            let perShard = max(room / configuration.shards, 1)
            tasks.addTask {
                do throws(RedisError) {
                    return .read(.success(try await group.readNew(perShard: perShard, block: block)), issuedAt: now)
                } catch {
                    return .read(.failure(error), issuedAt: now)
                }
            }
        }
    }

    /// One sweep: touches what was not touched for a sweep interval, claims up to `room`.
    private mutating func startSweep(room: Int, now: ContinuousClock.Instant, in tasks: inout TaskGroup<Event>) {
        sweeping = true
        let stale = now - configuration.sweepInterval
        let input = GroupSweep.Input(touch: held.compactMap { $0.value.touched <= stale ? $0.key : nil }, room: room, cursors: cursors)
        let sweep = self.sweep
        tasks.addTask { .swept(await sweep.run(input), issuedAt: now) }
    }

    // MARK: - State changes

    /// A newly claimed entry: queued for its attempt (or, while stopping, kept only to hand back).
    private mutating func take(_ claimed: ClaimedEntry, touchedAt: ContinuousClock.Instant) {
        let ref = claimed.entry.ref
        if let touched = held[ref]?.touched {
            // Already ours (a take-over found it idle); the claim only touched it again.
            held[ref]?.touched = max(touched, touchedAt)
            return
        }
        held[ref] = Held(state: .queued, attemptsMade: claimed.attempt - 1, touched: touchedAt)
        if !stopping { queue.append(.claimed(claimed)) }
    }

    /// Forgets an entry that is no longer pending at this deliverer: no attempt, no acknowledgement,
    /// no dead letter. The metric shows how often a stall let a peer take entries over.
    private mutating func drop(_ ref: EntryRef, reason: String) {
        held[ref] = nil
        metrics.droppedNotOwned()
        logger.debug("entry no longer pending at this deliverer; dropped", metadata: ["entry": "\(ref)", "found_by": "\(reason)"])
    }

    private mutating func finishAttempt(_ ref: EntryRef, _ outcome: DeliveryAttempt.Outcome, now: ContinuousClock.Instant) {
        switch outcome {
        case .delivered(let source, let attempt):
            held[ref]?.state = .delivered
            held[ref]?.attemptsMade = attempt
            unacknowledged.append(Delivered(ref: ref, source: source))
        case .finished:
            held[ref] = nil
        case .notOwned:
            drop(ref, reason: "attempt")
        case .interrupted(let attemptsMade):
            // Handed back at exit with the attempts made before this one.
            held[ref]?.state = .queued
            held[ref]?.attemptsMade = attemptsMade
        case .retry(let attemptsMade, let after):
            let due = now + after
            held[ref] = Held(state: .waiting(until: due), attemptsMade: attemptsMade, touched: held[ref]?.touched ?? now)
            waiting += 1
        }
    }

    private mutating func queueDueRetries(now: ContinuousClock.Instant) {
        for (ref, entry) in held {
            guard case .waiting(let due) = entry.state, due <= now else { continue }
            held[ref]?.state = .queued
            waiting -= 1
            queue.append(.retry(ref, attemptsMade: entry.attemptsMade))
        }
    }

    private mutating func beginStopping(_ tasks: inout TaskGroup<Event>) {
        stopping = true
        queue.removeAll()
        logger.info(
            "stopping: no new reads; finishing attempts in flight",
            metadata: ["attempts": "\(attempting)", "held": "\(held.count)"])
        let bound = configuration.drainTimeout
        tasks.addTask {
            try? await Task.sleep(for: bound)
            return .drainDeadline
        }
    }

    private func addTick(to tasks: inout TaskGroup<Event>) {
        let interval = tickInterval
        tasks.addTask {
            try? await Task.sleep(for: interval)
            return .tick
        }
    }

    /// Hands back what is still held at exit, if still its own: idle time set to the claim time, so
    /// the next take-over sweep of any deliverer claims it, and the delivery counter set to the
    /// attempts really made.
    private func releaseHeld() async {
        if held.isEmpty { return }
        let entries = held.map { (ref: $0.key, attemptsMade: $0.value.attemptsMade) }
        do {
            let released = try await group.releaseOwned(entries, idle: configuration.claimIdle)
            logger.info("handed unfinished entries back to the group", metadata: ["entries": "\(released)"])
        } catch {
            logger.warning(
                "cannot hand entries back; they are taken over after the claim time",
                metadata: ["entries": "\(entries.count)", "error": "\(error)"])
        }
    }
}

/// First in, first out, without the O(n) `removeFirst` of an array.
private struct JobQueue {
    private var jobs: [DeliveryAttempt.Job] = []
    private var head = 0

    var count: Int { jobs.count - head }

    mutating func append(_ job: DeliveryAttempt.Job) { jobs.append(job) }

    mutating func popFirst() -> DeliveryAttempt.Job? {
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    mutating func removeAll() {
        jobs.removeAll()
        head = 0
    }
}
