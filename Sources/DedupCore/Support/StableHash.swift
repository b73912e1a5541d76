internal import Crypto

/// The hash that places keys in shards and conversations in partitions: the first 8 bytes of
/// SHA-256, big-endian. Fixed forever, because every receiver and release must agree on it; SHA-256
/// rather than a faster hash because it is already linked and an attacker cannot steer it to one
/// shard.
enum StableHash {
    static func of(_ parts: [String], separator: UInt8 = UInt8(ascii: ":")) -> UInt64 {
        var hasher = SHA256()
        for (index, part) in parts.enumerated() {
            if index > 0 { hasher.update(data: [separator]) }
            hasher.update(data: Array(part.utf8))
        }
        var value: UInt64 = 0
        for byte in hasher.finalize().prefix(8) {
            value = value << 8 | UInt64(byte)
        }
        return value
    }
}
