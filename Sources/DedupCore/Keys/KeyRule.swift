/// Which dedup rule produced a ``Derivation``, in the order they are tried (docs/reference.md, "Dedup keys").
///
/// Exposed so the receiver can log and count which rule keyed a request; an operator who sees many
/// `rawBody` keys for a source knows that source deserves a rule in the sources file.
public enum KeyRule: String, Sendable {
    case sourceRule
    /// The source's sender profile (``SenderProfile``): `<profile>:<event id>`.
    case profile
    case header
    case evolution
    case meta
    case rawBody
}
