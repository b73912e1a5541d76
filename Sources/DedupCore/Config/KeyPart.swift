/// One component of a source's `key`: a value from the JSON body or from a header.
public enum KeyPart: Sendable, Equatable {
    /// Written as a JSON pointer in the sources file, e.g. `/data/key/id`.
    case pointer(JSONPointer)
    /// Written `header:NAME`; matched case-insensitively.
    case header(String)
    /// The path after the source (`/webhook/telegram/BOT` gives `BOT`). Used by sender profiles
    /// whose URL names an account the body does not (a Telegram bot), so two accounts' ids never
    /// meet; the sources file has no syntax for it.
    case path
    /// A field of a form-encoded body (Twilio's `MessageSid`). The sources file has no syntax for it.
    case formField(String)
}
