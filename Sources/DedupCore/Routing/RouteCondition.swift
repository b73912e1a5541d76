/// A `match:` item of a route: a JSON pointer into the body and what its value must be.
///
/// Written `{pointer: /data/key/fromMe, equals: false}`, `{pointer: /event, in: [a, b]}`,
/// `{pointer: /data/message, exists: true}`, or any of them inside `{not: ...}`.
public struct RouteCondition: Sendable, Equatable {
    enum Test: Sendable, Equatable {
        case equals(JSONValue)
        case oneOf([JSONValue])
        case exists(Bool)
    }

    let pointer: JSONPointer
    let test: Test
    /// `not:` turns the condition around.
    let negated: Bool

    init(pointer: JSONPointer, test: Test, negated: Bool = false) {
        self.pointer = pointer
        self.test = test
        self.negated = negated
    }

    /// Evaluated over the parsed body; a body that is not JSON has no values, so only `exists: false`
    /// (and the negation of the others) holds for it.
    func holds(in body: JSONValue?) -> Bool {
        let value = body.flatMap { pointer.resolve(in: $0) }
        let result: Bool
        switch test {
        case .equals(let expected): result = value.map { Self.same($0, expected) } ?? false
        case .oneOf(let options): result = value.map { found in options.contains { Self.same(found, $0) } } ?? false
        case .exists(let wanted): result = (value != nil) == wanted
        }
        return result != negated
    }

    /// JSON equality, numbers by value: `1`, `1.0` and `1e0` are one number, as a sender may write
    /// any of them.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if case .number(let x) = a, case .number(let y) = b, let left = Double(x), let right = Double(y) { return left == right }
        return a == b
    }
}
