extension SenderProfile {
    /// The conversation a profile's messages belong to, used when an ordered destination sets
    /// `partitions` but no `order_by`: Evolution's chat (instance plus `remoteJid`), Meta's customer
    /// number (`from` of a message, `recipient_id` of a status). Nil for senders without chats.
    public var defaultOrderBy: OrderBy? {
        func pointer(_ text: String) -> OrderBy.Part { .pointer(JSONPointer(text)!) }
        switch name {
        case "evolution":
            return OrderBy(parts: [pointer("/instance"), pointer("/data/key/remoteJid")])
        case "meta":
            return OrderBy(parts: [
                pointer("/entry/0/id"),
                .firstOf([pointer("/entry/0/changes/0/value/messages/0/from"), pointer("/entry/0/changes/0/value/statuses/0/recipient_id")]),
            ])
        default:
            return nil
        }
    }
}
