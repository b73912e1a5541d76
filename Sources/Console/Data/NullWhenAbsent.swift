/// An optional member that is written as `null` rather than left out of the JSON, so every object of
/// a kind has the same keys and the page and scripts can rely on the shape (synthesized `Encodable`
/// leaves a nil optional out; a wrapper is not `Optional`, so it is always written).
@propertyWrapper
public struct NullWhenAbsent<Value: Encodable & Sendable & Equatable>: Encodable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
