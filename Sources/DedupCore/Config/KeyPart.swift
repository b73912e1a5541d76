/// One component of a source's `key`: a value from the JSON body or from a header.
public enum KeyPart: Sendable, Equatable {
    /// Written as a JSON pointer in the sources file, e.g. `/data/key/id`.
    case pointer(JSONPointer)
    /// Written `header:NAME`; matched case-insensitively.
    case header(String)
}
