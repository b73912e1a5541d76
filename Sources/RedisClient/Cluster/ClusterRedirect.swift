/// What a cluster node's error reply asks of the client, read from its message.
enum ClusterRedirect: Equatable {
    /// `MOVED slot host:port`: the slot lives on that node now; the map is out of date.
    case moved(slot: Int, to: RedisConfiguration.Endpoint)
    /// `ASK slot host:port`: the slot is being migrated and this key already went; ask that node once,
    /// after `ASKING`, and leave the map as it is.
    case ask(slot: Int, to: RedisConfiguration.Endpoint)
    /// `TRYAGAIN`, `CLUSTERDOWN` or `LOADING`: the cluster is migrating, failing over or starting;
    /// the same command may succeed a little later.
    case retryLater

    init?(errorMessage message: String) {
        if message.hasPrefix("TRYAGAIN") || message.hasPrefix("CLUSTERDOWN") || message.hasPrefix("LOADING") {
            self = .retryLater
            return
        }
        let parts = message.split(separator: " ")
        guard parts.count == 3, parts[0] == "MOVED" || parts[0] == "ASK", let slot = Int(parts[1]),
            (0..<HashSlot.count).contains(slot), let endpoint = RedisConfiguration.Endpoint(parts[2])
        else { return nil }
        self = parts[0] == "MOVED" ? .moved(slot: slot, to: endpoint) : .ask(slot: slot, to: endpoint)
    }
}

extension RedisConfiguration.Endpoint {
    /// `host:port` as cluster nodes write it (an IPv6 address bare or in brackets: the port follows
    /// the last colon).
    init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }
}
