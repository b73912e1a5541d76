internal import Foundation

/// One WhatsApp chat under its two names. WhatsApp now addresses some chats by a privacy id
/// (`...@lid`) and others by phone number (`...@s.whatsapp.net`); Evolution API puts the other form
/// in `remoteJidAlt` when it knows it. Ordering must treat both as one chat, so a pointer to a
/// `remoteJid` reads the phone-number form whenever the payload carries it in either field.
enum WhatsAppChat {
    static let phoneSuffix = "@s.whatsapp.net"

    /// The phone-number form when `pointer` names a `remoteJid` and it or its `remoteJidAlt` sibling
    /// has that form; nil otherwise (the pointer's own value is used).
    static func canonical(pointer: JSONPointer, in body: JSONValue) -> String? {
        guard pointer.tokens.last == "remoteJid", let parent = JSONPointer(parentOf: pointer)?.resolve(in: body) else { return nil }
        for field in ["remoteJid", "remoteJidAlt"] {
            if let jid = parent[field]?.nonEmptyString, jid.hasSuffix(phoneSuffix) { return jid }
        }
        return nil
    }
}

extension JSONPointer {
    /// The pointer one step up; nil for the root.
    init?(parentOf pointer: JSONPointer) {
        guard !pointer.tokens.isEmpty else { return nil }
        let escaped = pointer.tokens.dropLast().map { $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
        self.init(escaped.map { "/" + $0 }.joined())
    }
}
