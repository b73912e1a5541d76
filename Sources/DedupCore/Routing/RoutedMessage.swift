public import Foundation

/// What route filters look at: one message as the receiver accepts it (one item of a split batch).
struct RoutedMessage {
    var headers: [(name: String, value: String)]
    /// The parsed body; nil when it is not JSON or no filter needs it.
    var body: JSONValue?
    var event: String?
}

extension SourcesConfig {
    /// The destinations a message goes to, in the order the source's routes name them, each once.
    ///
    /// Without a `destinations:` section every message goes to ``Destination/defaultName``. A source
    /// without `routes:` goes to the destination named `default` when the file defines one, else
    /// nowhere. An empty answer means the message matched no route: it is still deduplicated, counted,
    /// and written to no stream.
    public func destinations(
        source: String, path: String, headers: [(name: String, value: String)], contentType: String?, body: Data
    ) -> [String] {
        let json = JSONBody.isJSON(contentType: contentType, body: body) ? try? JSONBody.parse(body) : nil
        return destinations(rule: rule(for: source), path: path, headers: headers, json: json)
    }

    /// The same over the message's parsed tree (``DerivedItem``'s, so a request is parsed once).
    func destinations(rule: SourceRule?, path: String, headers: [(name: String, value: String)], json: JSONValue?) -> [String] {
        if destinations.isEmpty { return [Destination.defaultName] }
        guard let routes = rule?.routes else {
            return destinations.contains { $0.name == Destination.defaultName } ? [Destination.defaultName] : []
        }
        var message = RoutedMessage(headers: headers, body: nil, event: nil)
        if routes.contains(where: \.readsBody) {
            message.body = json
            message.event = EventName.of(body: message.body, path: path, pointers: rule?.profile?.eventPointers ?? SenderProfile.defaultEventPointers)
        }
        var chosen: [String] = []
        for route in routes where !chosen.contains(route.destination) && route.matches(message) {
            chosen.append(route.destination)
        }
        return chosen
    }
}
