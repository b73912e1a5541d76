/// One entry of a source's `routes:`: a destination and the filter a message must pass to go there.
///
/// The filter's parts all have to hold (`events`, every `match` condition, every `headers` pair); a
/// route without any goes everywhere the source sends.
public struct Route: Sendable, Equatable {
    /// A destination name from the `destinations:` section.
    public var destination: String
    /// Event names, normalised with ``EventName/normalize(_:)``; nil means any event.
    public var events: Set<String>?
    public var conditions: [RouteCondition]
    /// Header name (matched case-insensitively) and the exact value it must have.
    public var headers: [HeaderMatch]

    public struct HeaderMatch: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(destination: String, events: Set<String>? = nil, conditions: [RouteCondition] = [], headers: [HeaderMatch] = []) {
        self.destination = destination
        self.events = events
        self.conditions = conditions
        self.headers = headers
    }

    /// Whether the filter reads the body (so the body must be parsed to evaluate it).
    var readsBody: Bool { events != nil || !conditions.isEmpty }

    func matches(_ message: RoutedMessage) -> Bool {
        if let events {
            guard let event = message.event, events.contains(event) else { return false }
        }
        for header in headers {
            guard let value = HeaderLookup.value(header.name, in: message.headers), value == header.value else { return false }
        }
        return conditions.allSatisfy { $0.holds(in: message.body) }
    }
}
