/// The `{source}` of `/webhook/{source}`: which names are valid (for the router and the sources
/// file alike), and how any name is shown in logs.
///
/// The name comes from the request line, before any authentication, so nothing derived from an
/// invalid one may grow with it: the receiver's metrics count invalid names under one label, and
/// logs show a bounded, printable prefix.
public enum SourceName {
    /// Characters of an invalid name shown in a log line.
    public static let loggedPrefix = 64

    /// 1-64 of `A-Za-z0-9._-`, the names the sources file accepts too.
    public static func isValid(_ source: String) -> Bool {
        let utf8 = source.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// A valid name as is; an invalid one as its first 64 characters, anything but printable ASCII
    /// replaced by `?` (a decoded `%0A` must not start a forged log line), and its length:
    /// `xxxx…xxxx… (70000 bytes)`.
    public static func forLog(_ source: String) -> String {
        if isValid(source) { return source }
        var shown = ""
        for scalar in source.unicodeScalars.prefix(loggedPrefix) {
            shown.unicodeScalars.append((0x20..<0x7F).contains(scalar.value) ? scalar : "?")
        }
        return "\(shown)… (\(source.utf8.count) bytes)"
    }
}
