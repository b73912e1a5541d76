import Foundation

/// Reads a `Retry-After` header (RFC 9110 10.2.3): a number of seconds, or an HTTP date.
enum RetryAfter {
    /// The wait the header asks for, from `now`; nil when it says nothing usable. A date in the past
    /// is no wait at all.
    static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return Int(text.prefix(10)).map { .seconds($0) }
        }
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                let seconds = max(0, date.timeIntervalSince(now))
                return .milliseconds(Int64(seconds * 1000))
            }
        }
        return nil
    }

    /// IMF-fixdate first (what senders must use), then the two obsolete forms receivers must accept.
    private static let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
}
