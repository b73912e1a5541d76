/// A signature header of timestamp and `v1` signatures: Stripe's
/// `Stripe-Signature: t=1492774577,v1=5257a869...,v1=...,v0=...` and Mercado Pago's
/// `x-signature: ts=1704908010,v1=618c8534...`.
///
/// Stripe lists several `v1` entries while an endpoint's secret is being rolled (old and new
/// secret both sign); other schemes (`v0`, the test-mode scheme) and unknown elements are skipped,
/// as Stripe's own libraries do. A header without the timestamp or without any `v1` parses to nil.
public struct TimestampedSignatureHeader: Sendable, Equatable {
    /// The `t=` (Stripe) or `ts=` (Mercado Pago) Unix timestamp, signed with the body or manifest.
    public var timestamp: Substring
    /// Every `v1=` value decoded from hex; values that are not hex are dropped.
    public var signatures: [[UInt8]]

    public init?(_ value: String, timestampName: Substring = "t") {
        var timestamp: Substring?
        var signatures: [[UInt8]] = []
        for element in value.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = element.firstIndex(of: "=") else { continue }
            let name = element[..<equals].trimmingSpaces
            let text = element[element.index(after: equals)...].trimmingSpaces
            switch name {
            case timestampName: timestamp = timestamp ?? text
            case "v1": if let bytes = Hex.decode(text) { signatures.append(bytes) }
            default: continue
            }
        }
        guard let timestamp, Int64(timestamp) != nil, !signatures.isEmpty else { return nil }
        self.timestamp = timestamp
        self.signatures = signatures
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
