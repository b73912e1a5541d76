/// Where one accepted message goes: the destinations its routes pick and, when its source routes to
/// an ordered destination, its conversation and partition.
public struct MessagePlacement: Sendable, Equatable {
    public var destinations: [String]
    public var ordering: MessageOrdering?
}

extension SourcesConfig {
    /// Routes and ordering of one derived item, read from the tree the key rules already parsed
    /// (header fields a profile fills in included), against the source's routing worked out when
    /// the file loaded.
    public func placement(of item: DerivedItem, source: String, path: String, headers: [(name: String, value: String)]) -> MessagePlacement {
        let routing = routing(for: source)
        return MessagePlacement(
            destinations: destinations(routing: routing, path: path, headers: headers, json: item.json),
            ordering: ordering(routing: routing, headers: headers, json: item.json))
    }
}
