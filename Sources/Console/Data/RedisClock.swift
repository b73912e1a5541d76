public import RedisClient

/// Redis's own clock. The accept script stamps counters with it and stream ids carry it, so ages and
/// minute windows are computed against it rather than this machine's clock, which may drift.
public enum RedisClock {
    /// Unix milliseconds from `TIME`.
    public static func nowMs(_ redis: RedisClient, timeout: Duration? = nil) async throws(RedisError) -> Int64 {
        let parts = try await redis.command("TIME", timeout: timeout).throwingServerError().array ?? []
        guard parts.count == 2, let seconds = parts[0].string.flatMap({ Int64($0) }), let micros = parts[1].string.flatMap({ Int64($0) })
        else { throw .protocol("TIME returned \(parts)") }
        return seconds * 1000 + micros / 1000
    }

    /// `YYYYMMDDHHMM` in UTC, the minute suffix of a counter key (the same arithmetic as the accept
    /// script's: days since 1970 to a civil date).
    public static func minuteLabel(unixSeconds: Int64) -> String {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondOfDay = unixSeconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(secondOfDay / 3600, 2) + pad(secondOfDay % 3600 / 60, 2)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
