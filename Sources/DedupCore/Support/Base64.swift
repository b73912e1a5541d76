internal import Foundation

/// Standard base64 decoding that tolerates missing padding, as Standard Webhooks secrets and
/// signatures are sometimes written without it.
enum Base64 {
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var padded = String(text)
        let remainder = padded.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { padded += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: padded).map { Array($0) }
    }
}
