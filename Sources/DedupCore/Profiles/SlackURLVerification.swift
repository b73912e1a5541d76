/// Slack's handshake for an Events API request URL: a signed POST of
/// `{"token":..,"challenge":C,"type":"url_verification"}` that must be answered with C before
/// Slack sends any event. It is not an event, so it is answered and never recorded.
public enum SlackURLVerification {
    /// The challenge when `body` is a `url_verification` request, else nil. Only a JSON body is
    /// read, and an event body is told apart by its `type` before anything else is read.
    public static func challenge(in body: ParsedBody) -> String? {
        guard let object = (try? body.json())?.objectValue, object["type"]?.stringValue == "url_verification" else { return nil }
        return object["challenge"]?.nonEmptyString
    }
}
