import Foundation

/// Where and how to connect, parsed from a `redis://[user:password@]host:port[/db]` URL
/// (`rediss://` for TLS), or the Sentinel and Cluster forms (see ``init(url:)``).
public struct RedisConfiguration: Sendable, Equatable {
    /// TLS settings of a `rediss://` URL. Certificates are always verified: against ``caFile`` when
    /// set, else the system's roots; the name checked is ``serverName``, else the URL's host.
    public struct TLS: Sendable, Equatable {
        /// PEM file of the certificate authorities to trust (`WD_REDIS_TLS_CA`).
        public var caFile: String?
        /// PEM client certificate chain and its key, for servers that ask for one
        /// (`WD_REDIS_TLS_CERT`, `WD_REDIS_TLS_KEY`).
        public var certificateFile: String?
        public var keyFile: String?
        /// Name sent as SNI and verified in the server's certificate (`WD_REDIS_TLS_SERVER_NAME`).
        public var serverName: String?

        public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.serverName = serverName
        }
    }

    public var host: String
    public var port: Int
    /// ACL user name; nil means the `default` user (`AUTH password`).
    public var username: String?
    public var password: String?
    public var database: Int
    /// Bound on establishing the TCP connection.
    public var connectTimeout: Duration
    /// Bound on each command: socket reads and writes, and time spent queued before being sent.
    public var commandTimeout: Duration
    /// Connections; 0 (the default) means one per event loop of the client's group. A caller running
    /// on one of those loops uses that loop's connection; other callers take them in turn. On a
    /// cluster the client keeps one connection per primary instead, whatever this says.
    public var connections: Int
    /// `CLIENT SETNAME` on connect, so `redis-cli CLIENT LIST` shows who is who.
    public var clientName: String?
    /// Set for `rediss://`: the connection runs TLS (SwiftNIO's NIOSSL).
    public var tls: TLS?
    /// Set for `redis+sentinel://`: ``host`` and ``port`` are then unused; each connection asks the
    /// sentinels where the primary is.
    public var sentinel: Sentinel?
    /// Set for `redis+cluster://`: ``host`` and ``port`` are then unused; the client reads the slot
    /// map from these seed nodes (and the nodes the map names) and keeps one connection per primary.
    public var cluster: Cluster?

    /// A host and port.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Redis Sentinel: the sentinels to ask, in order, and the name they know the primary by.
    public struct Sentinel: Sendable, Equatable {
        public var nodes: [Endpoint]
        public var primaryName: String
        /// `AUTH` for the sentinels themselves (`WD_SENTINEL_PASSWORD`), when they require one.
        public var password: String?

        public init(nodes: [Endpoint], primaryName: String, password: String? = nil) {
            self.nodes = nodes
            self.primaryName = primaryName
            self.password = password
        }
    }

    /// Redis Cluster: the nodes to ask for the slot map first. Any node of the cluster will do; a few
    /// let the client start while one of them is down.
    public struct Cluster: Sendable, Equatable {
        public var seeds: [Endpoint]

        public init(seeds: [Endpoint]) {
            self.seeds = seeds
        }
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2),
        connections: Int = 0,
        clientName: String? = nil,
        tls: TLS? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.connections = connections
        self.clientName = clientName
        self.tls = tls
    }

    /// Parses `redis://[user:password@]host:port[/db]` or `rediss://...` (TLS; its file and name
    /// settings come from elsewhere, see ``TLS``), or the Sentinel forms
    /// `redis+sentinel://[user:password@]host:port[,host:port...]/PRIMARY[/db]` and
    /// `rediss+sentinel://...` (TLS to the data nodes; the sentinels are asked in plain TCP). User and
    /// password are those of the data nodes, percent-decoded; `[::1]` for IPv6; sentinels default to
    /// port 26379. The Cluster forms `redis+cluster://[user:password@]host:port[,host:port...]` and
    /// `rediss+cluster://...` (TLS to every node) name seed nodes (port 6379 by default); a cluster
    /// has database 0 only.
    public init(url: String) throws(RedisConfigurationError) {
        self.init()
        let schemes = [
            ("redis://", false, false), ("rediss://", true, false), ("redis+sentinel://", false, true), ("rediss+sentinel://", true, true),
            ("redis+cluster://", false, false), ("rediss+cluster://", true, false),
        ]
        guard let (schemePrefix, usesTLS, usesSentinel) = schemes.first(where: { url.hasPrefix($0.0) }) else {
            throw .init(
                url: url,
                reason: "must start with redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster://")
        }
        let usesCluster = schemePrefix.contains("+cluster")
        if usesTLS { tls = TLS() }
        var rest = Substring(url.dropFirst(schemePrefix.count))
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<query]
        }
        // Path: /db, or /PRIMARY[/db] behind sentinels.
        var dbText: Substring = ""
        var primaryName: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if usesSentinel {
                let parts = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                primaryName = parts.first ?? ""
                dbText = parts.count > 1 ? parts[1] : ""
            } else {
                dbText = path
            }
        }
        if !dbText.isEmpty {
            guard let db = Int(dbText), db >= 0 else {
                throw .init(url: url, reason: "database \"\(dbText)\" is not a non-negative number")
            }
            database = db
        }
        // Userinfo: the last @ separates it, since a password may hold one.
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let user = try Self.percentDecoded(userinfo[..<colon], url: url)
                let pass = try Self.percentDecoded(userinfo[userinfo.index(after: colon)...], url: url)
                username = user.isEmpty ? nil : user
                password = pass
            } else if !userinfo.isEmpty {
                // redis://secret@host: a password for the default user, as redis-cli reads it.
                password = try Self.percentDecoded(userinfo, url: url)
            }
        }
        if usesSentinel {
            guard !primaryName.isEmpty else {
                throw .init(url: url, reason: "a sentinel URL names the primary: redis+sentinel://host:26379,.../PRIMARY")
            }
            var nodes: [Endpoint] = []
            for part in rest.split(separator: ",") {
                let (host, port) = try Self.hostAndPort(part, url: url)
                nodes.append(Endpoint(host: host ?? "127.0.0.1", port: port ?? 26379))
            }
            guard !nodes.isEmpty else { throw .init(url: url, reason: "no sentinel host") }
            sentinel = Sentinel(nodes: nodes, primaryName: String(primaryName))
        } else if usesCluster {
            guard database == 0 else { throw .init(url: url, reason: "a Redis Cluster has database 0 only") }
            var seeds: [Endpoint] = []
            for part in rest.split(separator: ",") {
                let (host, port) = try Self.hostAndPort(part, url: url)
                seeds.append(Endpoint(host: host ?? "127.0.0.1", port: port ?? 6379))
            }
            guard !seeds.isEmpty else { throw .init(url: url, reason: "no cluster node") }
            cluster = Cluster(seeds: seeds)
        } else {
            let (host, port) = try Self.hostAndPort(rest, url: url)
            if let host { self.host = host }
            if let port { self.port = port }
        }
    }

    /// `host`, `host:port` or `[v6]:port`; nil for what is left out.
    private static func hostAndPort(_ text: Substring, url: String) throws(RedisConfigurationError) -> (String?, Int?) {
        var hostPart = text
        var portText: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else {
                throw .init(url: url, reason: "unterminated IPv6 address")
            }
            let after = hostPart[hostPart.index(after: close)...]
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw .init(url: url, reason: "unexpected \"\(after)\" after the host")
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            portText = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw .init(url: url, reason: "port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = p
        }
        return (hostPart.isEmpty ? nil : String(hostPart), port)
    }

    private static func percentDecoded(_ text: Substring, url: String) throws(RedisConfigurationError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let h = iterator.next(), let l = iterator.next(),
                    let value = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)
                else { throw .init(url: url, reason: "bad percent-encoding in the user or password") }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL with the password masked, for logs and errors.
    public var redactedURL: String {
        var auth = ""
        if let username { auth = username + (password == nil ? "" : ":***") + "@" } else if password != nil { auth = ":***@" }
        let scheme = (tls == nil ? "redis" : "rediss") + (sentinel == nil ? "" : "+sentinel") + (cluster == nil ? "" : "+cluster")
        if let cluster {
            return "\(scheme)://\(auth)\(cluster.seeds.map(\.description).joined(separator: ","))"
        }
        if let sentinel {
            return "\(scheme)://\(auth)\(sentinel.nodes.map(\.description).joined(separator: ","))/\(sentinel.primaryName)/\(database)"
        }
        return "\(scheme)://\(auth)\(Endpoint(host: host, port: port))/\(database)"
    }
}

/// A `REDIS_URL` that cannot be used; the message names the setting and never shows the password.
public struct RedisConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    var redacted: String

    init(url: String, reason: String) {
        self.reason = reason
        // Never echo a password: keep only the scheme and what follows the last @.
        if let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") {
            redacted = String(url[..<scheme.upperBound]) + "***@" + String(url[url.index(after: at)...])
        } else {
            redacted = url
        }
    }

    public var description: String { "REDIS_URL \"\(redacted)\": \(reason)" }
}
