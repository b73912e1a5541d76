/// Meta's subscribe handshake: before Meta sends any webhook to a URL it calls
/// `GET URL?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` and registers the URL only if
/// the answer is C. T is the token typed into the app dashboard, so C is given only when T matches
/// the source's `verify_token_env`; otherwise anyone could subscribe the URL elsewhere.
public enum MetaSubscribe {
    /// The challenge to answer, or nil (answer 403) when the mode is not `subscribe`, the token is
    /// wrong or missing, no token is configured, or there is no challenge. The token comparison is
    /// constant-time.
    public static func challenge(query: [(name: String, value: String)], verifyToken: Secret?) -> String? {
        func first(_ name: String) -> String? { query.first { $0.name == name }?.value }
        guard let verifyToken, first("hub.mode") == "subscribe", let token = first("hub.verify_token"),
            let challenge = first("hub.challenge"), !challenge.isEmpty
        else { return nil }
        return ConstantTime.equals(Array(token.utf8), verifyToken.bytes) ? challenge : nil
    }
}
