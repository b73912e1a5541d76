import DedupCore
import RedisClient

/// The per-source limit's script: ``GCRA`` (shared with the deliverers' delivery rate), keyed by
/// the source's rate-limit key.
enum RateLimitScript {
    static let script = RedisScript(GCRA.script)
}
