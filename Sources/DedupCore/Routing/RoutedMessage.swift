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
        return destinations(routing: routing(for: source), path: path, headers: headers, json: json)
    }

    /// The same over the message's parsed tree (``DerivedItem``'s, so a request is parsed once).
    func destinations(routing: SourceRouting, path: String, headers: [(name: String, value: String)], json: JSONValue?) -> [String] {
        guard let routes = routing.routes else { return routing.fixedDestinations }
        var message = RoutedMessage(headers: headers, body: nil, event: nil)
        if let pointers = routing.eventPointers {
            message.body = json
            message.event = EventName.of(body: json, path: path, pointers: pointers)
        }
        var chosen: [String] = []
        for route in routes where !chosen.contains(route.destination) && route.matches(message) {
            chosen.append(route.destination)
        }
        return chosen
    }
}
