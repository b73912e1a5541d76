import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// Redis Cluster behind one ``RedisClient``: a slot map from `CLUSTER SLOTS` and one automatically
/// pipelined ``RedisConnection`` per primary, each command sent to the primary of its key's slot.
///
/// A pipeline whose keys live on several primaries is split into one pipeline per primary, sent at
/// once, and its replies put back in order. A command without a key (`WAIT`, `SCRIPT LOAD`, `PING`)
/// in such a pipeline runs on every primary the pipeline writes to, at its place in each, and its
/// reply is the least of theirs (the first error, else the smallest number): `WAIT` after writes to
/// three primaries then confirms the replicas of all three.
///
/// Redirects are followed inside the command's deadline. `MOVED` points the slot at the named node
/// and resends (and the whole map is read again in the background); `ASK` resends once to the named
/// node behind `ASKING`, pipelined together, leaving the map alone; `TRYAGAIN`, `CLUSTERDOWN` and
/// `LOADING` resend after a backoff that doubles from 10 ms to 500 ms. A lost or refused connection,
/// or a timeout, fails the command as on a single server (it may or may not have run), and has the
/// map read again so the next command goes to whichever replica took over. The map is also read every
/// ``refreshInterval``, from the nodes the last map named and then the seed nodes of the URL.
final class ClusterRouter: Sendable {
    /// Redirects and errors already have the map read again when it matters; the periodic read finds
    /// what they cannot (new replicas, a primary that lost its last slot). Not shorter: a deliverer
    /// holds a client per shard and destination, each reading its own map.
    static let refreshInterval: Duration = .seconds(30)
    /// Redirects followed for one command before its error reply is handed to the caller.
    static let maxRedirects = 16

    private struct State {
        var map: SlotMap?
        var connections: [RedisConfiguration.Endpoint: RedisConnection] = [:]
        var refresh: Task<Result<SlotMap, RedisError>, Never>?
        var lastRefresh: ContinuousClock.Instant?
        var nextLoop = 0
        var closed = false
    }

    private let configuration: RedisConfiguration
    private let seeds: [RedisConfiguration.Endpoint]
    private let loops: [any EventLoop]
    private let tls: Result<NIOSSLContext, RedisError>?
    private let scripts: ScriptRegistry
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let periodic = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(
        configuration: RedisConfiguration, seeds: [RedisConfiguration.Endpoint], loops: [any EventLoop],
        tls: Result<NIOSSLContext, RedisError>?, scripts: ScriptRegistry, logger: Logger
    ) {
        self.configuration = configuration
        self.seeds = seeds
        self.loops = loops
        self.tls = tls
        self.scripts = scripts
        self.logger = logger
        periodic.withLockedValue { task in
            task = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.refreshInterval)
                    guard let self, !Task.isCancelled else { return }
                    _ = await self.refreshedMap()
                }
            }
        }
    }

    func close() {
        periodic.withLockedValue { task in
            task?.cancel()
            task = nil
        }
        let connections = state.withLockedValue { state in
            state.closed = true
            state.refresh?.cancel()
            defer { state.connections = [:] }
            return Array(state.connections.values)
        }
        for connection in connections { connection.close() }
    }

    // MARK: - Commands

    func send(_ command: RedisCommand, timeout: Duration) async -> Result<RESPValue, RedisError> {
        await send([command], timeout: timeout).map { $0[0] }
    }

    /// Sends `commands` to the primaries of their slots and returns one reply per command, in order.
    func send(_ commands: [RedisCommand], timeout: Duration) async -> Result<[RESPValue], RedisError> {
        let deadline = ContinuousClock.now + timeout
        let slots = commands.map(\.slot)
        var replies = [RESPValue?](repeating: nil, count: commands.count)
        var pending = Array(commands.indices)
        var asking: [Int: RedisConfiguration.Endpoint] = [:]
        var redirects = 0
        var backoff = Duration.milliseconds(10)
        while true {
            let map: SlotMap
            switch await currentMap() {
            case .success(let current): map = current
            case .failure(let error): return .failure(error)
            }
            // Which primary runs what: keyed commands by slot (or where ASK sent them), keyless ones everywhere.
            var groups: [RedisConfiguration.Endpoint: [Int]] = [:]
            var unserved: [Int] = []
            for index in pending {
                guard let slot = slots[index] else { continue }
                if let node = asking[index] ?? map.primary(of: slot) { groups[node, default: []].append(index) } else { unserved.append(index) }
            }
            let keyless = pending.filter { slots[$0] == nil }
            if groups.isEmpty && unserved.isEmpty, let any = map.primaries.first { groups[any] = [] }
            for node in groups.keys { groups[node] = (groups[node]! + keyless).sorted() }

            let sent = await sendGroups(groups, of: commands, asking: asking, deadline: deadline)
            // Replies back in place; ASKING's own OK left out.
            for (node, indices, result) in sent {
                switch result {
                case .failure(let error):
                    // A dead or hung primary: its replica may be taking over, so look again.
                    switch error {
                    case .connection, .timeout: requestRefresh("\(node): \(error)")
                    case .server, .protocol, .closed, .cancelled: break
                    }
                    return .failure(error)
                case .success(let values):
                    var position = 0
                    for index in indices {
                        if asking[index] != nil { position += 1 }
                        let value = values[position]
                        position += 1
                        replies[index] = slots[index] == nil ? Self.least(replies[index], value) : value
                    }
                }
            }
            // Redirected commands go again; so do the keyless ones, so that a WAIT covers their new node too.
            asking = [:]
            var retry = unserved
            var wait = !unserved.isEmpty
            // Only what was sent this round: an unserved command still holds an earlier round's reply.
            let sentNow = Set(sent.flatMap(\.1))
            for index in pending where slots[index] != nil && sentNow.contains(index) {
                guard let message = replies[index]?.errorMessage, let redirect = ClusterRedirect(errorMessage: message) else { continue }
                switch redirect {
                case .moved(let slot, let node):
                    state.withLockedValue { $0.map?.assign(slot, to: node) }
                    requestRefresh("MOVED \(slot) \(node)")
                case .ask(_, let node):
                    asking[index] = node
                case .retryLater:
                    wait = true
                }
                retry.append(index)
            }
            if !unserved.isEmpty { requestRefresh("no node serves slot \(slots[unserved[0]] ?? 0)") }
            if retry.isEmpty { return .success(replies.map { $0 ?? .null }) }
            redirects += 1
            if redirects > Self.maxRedirects || ContinuousClock.now + (wait ? backoff : .zero) >= deadline {
                if let index = unserved.first {
                    return .failure(.server("CLUSTERDOWN no node serves hash slot \(slots[index] ?? 0)"))
                }
                return .success(replies.map { $0 ?? .null })
            }
            if wait {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .milliseconds(500))
            }
            pending = (retry + keyless).sorted()
        }
    }

    /// Each primary's share of `commands`, sent at once (one pipeline per primary; `ASKING` before a
    /// command sent where `ASK` pointed). The common case, one primary, needs no child task.
    private func sendGroups(
        _ groups: [RedisConfiguration.Endpoint: [Int]], of commands: [RedisCommand], asking: [Int: RedisConfiguration.Endpoint],
        deadline: ContinuousClock.Instant
    ) async -> [(RedisConfiguration.Endpoint, [Int], Result<[RESPValue], RedisError>)] {
        func batch(_ indices: [Int]) -> [RedisCommand] {
            indices.flatMap { asking[$0] == nil ? [commands[$0]] : [RedisCommand("ASKING"), commands[$0]] }
        }
        let remaining = max(deadline - .now, .milliseconds(1))
        if groups.count == 1, let (node, indices) = groups.first {
            return [(node, indices, await connection(to: node).send(batch(indices), timeout: remaining))]
        }
        return await withTaskGroup(of: (RedisConfiguration.Endpoint, [Int], Result<[RESPValue], RedisError>).self) { tasks in
            for (node, indices) in groups {
                let commands = batch(indices)
                let connection = self.connection(to: node)
                tasks.addTask { (node, indices, await connection.send(commands, timeout: remaining)) }
            }
            var results: [(RedisConfiguration.Endpoint, [Int], Result<[RESPValue], RedisError>)] = []
            for await result in tasks { results.append(result) }
            return results
        }
    }

    /// The worse of two replies to a keyless command sent to several primaries: an error, else the
    /// smaller number (`WAIT`'s replica count), else the first.
    private static func least(_ earlier: RESPValue?, _ value: RESPValue) -> RESPValue {
        guard let earlier else { return value }
        if earlier.errorMessage != nil { return earlier }
        if value.errorMessage != nil { return value }
        if case .integer(let a) = earlier, case .integer(let b) = value { return .integer(min(a, b)) }
        return earlier
    }

    // MARK: - Connections

    private func connection(to node: RedisConfiguration.Endpoint) -> RedisConnection {
        state.withLockedValue { state in
            if let connection = state.connections[node] { return connection }
            var nodeConfiguration = configuration
            nodeConfiguration.host = node.host
            nodeConfiguration.port = node.port
            nodeConfiguration.cluster = nil
            let connection = RedisConnection(
                eventLoop: loops[state.nextLoop % loops.count], configuration: nodeConfiguration, tls: tls, scripts: scripts,
                logger: logger, label: "redis-\(node)")
            state.nextLoop += 1
            if state.closed { connection.close() }
            state.connections[node] = connection
            return connection
        }
    }

    // MARK: - Slot map

    /// The primary serving `slot` in the map in use (read first if there is none yet): which node
    /// holds a shard, for `stats`.
    func primary(ofSlot slot: Int) async -> Result<RedisConfiguration.Endpoint?, RedisError> {
        await currentMap().map { $0.primary(of: slot) }
    }

    /// The map in use, read first if there is none yet.
    private func currentMap() async -> Result<SlotMap, RedisError> {
        if let map = state.withLockedValue({ $0.map }) { return .success(map) }
        return await refreshedMap()
    }

    /// Starts reading the map again unless a read is under way or finished less than 100 ms ago.
    private func requestRefresh(_ reason: String) {
        let recent = state.withLockedValue { state in
            state.refresh != nil || state.lastRefresh.map { ContinuousClock.now - $0 < .milliseconds(100) } ?? false
        }
        if recent { return }
        logger.debug("reading the cluster's slot map again", metadata: ["reason": "\(reason)"])
        Task { _ = await self.refreshedMap() }
    }

    /// Reads the map anew (one read at a time; callers meanwhile share it) and puts it in use.
    @discardableResult
    func refreshedMap() async -> Result<SlotMap, RedisError> {
        let task = state.withLockedValue { state in
            if let running = state.refresh { return running }
            let candidates = (state.map?.primaries ?? []) + (state.map?.nodes ?? []) + seeds
            let task = Task { await self.readMap(from: candidates) }
            state.refresh = task
            return task
        }
        let result = await task.value
        let retired: [RedisConnection] = state.withLockedValue { state in
            guard state.refresh == task else { return [] }
            state.refresh = nil
            state.lastRefresh = .now
            guard case .success(let map) = result else { return [] }
            // A change is news (a failover, a reshard); the first map is not.
            if let previous = state.map, previous != map {
                logger.info(
                    "cluster slot map changed", metadata: ["primaries": "\(map.primaries.map(\.description).joined(separator: ","))"])
            }
            state.map = map
            // Connections to nodes that serve no slot any more: closed once what they carry had its time.
            let gone = state.connections.keys.filter { !map.primaries.contains($0) }
            defer { for node in gone { state.connections[node] = nil } }
            return gone.compactMap { state.connections[$0] }
        }
        for connection in retired {
            connection.eventLoop.scheduleTask(in: TimeAmount(configuration.commandTimeout * 2)) { connection.close() }
        }
        return result
    }

    /// `CLUSTER SLOTS` from each candidate in turn, on a short-lived connection bounded by the connect
    /// timeout, until one answers with a map.
    private func readMap(from candidates: [RedisConfiguration.Endpoint]) async -> Result<SlotMap, RedisError> {
        var failures: [String] = []
        var asked: Set<RedisConfiguration.Endpoint> = []
        for node in candidates where asked.insert(node).inserted {
            var nodeConfiguration = configuration
            nodeConfiguration.host = node.host
            nodeConfiguration.port = node.port
            nodeConfiguration.cluster = nil
            nodeConfiguration.commandTimeout = configuration.connectTimeout
            let connection = RedisConnection(
                eventLoop: loops[0], configuration: nodeConfiguration, tls: tls, scripts: ScriptRegistry(), logger: logger,
                label: "cluster-slots-\(node)")
            defer { connection.close() }
            switch await connection.send(RedisCommand("CLUSTER", "SLOTS"), timeout: configuration.connectTimeout) {
            case .success(let reply):
                if let message = reply.errorMessage {
                    failures.append("\(node): \(message)")
                    continue
                }
                do throws(RedisError) {
                    return .success(try SlotMap(clusterSlots: reply, answeredBy: node))
                } catch {
                    failures.append("\(node): \(error)")
                }
            case .failure(let error):
                failures.append("\(node): \(error)")
            }
        }
        return .failure(.connection("no cluster node answered CLUSTER SLOTS: \(failures.joined(separator: "; "))"))
    }
}
