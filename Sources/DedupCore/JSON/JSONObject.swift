/// A JSON object that keeps its members in the order they were received.
///
/// Order matters for the one-item Meta envelopes, which should read like what Meta sent. Lookups
/// are linear: webhook objects have a handful of members, for which a scan beats hashing.
struct JSONObject: Sendable, Equatable {
    struct Member: Sendable, Equatable {
        var key: String
        var value: JSONValue
    }

    var members: [Member]

    init(_ members: [Member] = []) {
        self.members = members
    }

    var isEmpty: Bool { members.isEmpty }

    var keys: [String] { members.map(\.key) }

    /// The last member named `key` wins, as in most parsers. Setting replaces it in place (keeping
    /// the member order) or appends it; setting nil removes every member of that name, so a field
    /// to ignore cannot survive through a duplicate.
    subscript(key: String) -> JSONValue? {
        get {
            members.last(where: { $0.key == key })?.value
        }
        set {
            guard let newValue else {
                members.removeAll { $0.key == key }
                return
            }
            if let index = members.lastIndex(where: { $0.key == key }) {
                members[index].value = newValue
            } else {
                members.append(Member(key: key, value: newValue))
            }
        }
    }
}
