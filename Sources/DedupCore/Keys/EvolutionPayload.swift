/// A parsed Evolution API webhook body: a JSON object with string `event` and `instance`.
///
/// Evolution re-sends the same message many times with a new `messageTimestamp` and `date_time`,
/// sometimes addressed as `...@lid` and sometimes as `...@s.whatsapp.net`, so message keys are built
/// only from what identifies the message: instance, event, `data.key.id` and `data.key.fromMe`.
struct EvolutionPayload {
    let object: JSONObject
    let instance: String
    /// Normalised to the dotted lowercase form (`MESSAGES_UPSERT` -> `messages.upsert`), which
    /// Evolution uses in bodies while some configurations use the enum spelling.
    let event: String
    /// `contextInfo.entryPointConversionSource` (v2 at `data.contextInfo`, v1 inside
    /// `data.message.<type>.contextInfo`), kept for the duplicates-by-entry-point metric.
    let entryPoint: String?

    init?(_ object: JSONObject) {
        guard let event = object["event"]?.nonEmptyString, let instance = object["instance"]?.nonEmptyString else { return nil }
        self.object = object
        self.instance = instance
        self.event = Self.normalise(event)
        self.entryPoint = object["data"]?.objectValue.flatMap(Self.findEntryPoint)
    }

    /// The dedup key (see ``KeyDeriver`` for the shapes).
    func key() -> String {
        if let data = object["data"]?.objectValue {
            switch event {
            case "messages.upsert", "send.message":
                if let key = messageKey(data) { return key }
            case "messages.update":
                if let key = updateKey(data) { return key }
            default:
                break
            }
        }
        return otherEventKey()
    }

    /// `evo:<instance>:<event>:<id>:<fromMe 1|0>[:stub]`.
    ///
    /// A stub (an upsert without message content, e.g. only `messageStubType` while WhatsApp has
    /// not decrypted the message yet) is keyed apart: the full message re-sent later with the same
    /// id must still be accepted once.
    private func messageKey(_ data: JSONObject) -> String? {
        guard let id = data["key"]?["id"]?.nonEmptyString else { return nil }
        let fromMe = data["key"]?["fromMe"]?.boolValue.map { $0 ? "1" : "0" }
        var values: [String?] = [instance, event, id, fromMe]
        if Self.isStub(data) { values.append("stub") }
        return DedupKey.make(kind: "evo", values: values)
    }

    /// `evo:<instance>:messages.update:<id>:<status>`: each status change (DELIVERY_ACK, READ,
    /// PLAYED) of a message is its own event, but each is delivered once.
    private func updateKey(_ data: JSONObject) -> String? {
        let id = data["keyId"]?.nonEmptyString ?? data["key"]?["id"]?.nonEmptyString ?? data["id"]?.keyText
        guard let id, !id.isEmpty else { return nil }
        let status = data["status"]?.keyText ?? data["update"]?["status"]?.keyText
        return DedupKey.make(kind: "evo", values: [instance, "messages.update", id, status])
    }

    /// `evo:<instance>:<event>:sha256:<hex>` over the canonical body without the top-level
    /// `date_time`, the only field Evolution changes between re-sends of the same event.
    private func otherEventKey() -> String {
        var stripped = object
        stripped["date_time"] = nil
        return DedupKey.make(kind: "evo", values: [instance, event], digestHex: JSONWriter.canonicalSHA256Hex(.object(stripped)))
    }

    /// No `data.message`, or one that is null, empty, or holds only `messageContextInfo` (device
    /// metadata, no content).
    static func isStub(_ data: JSONObject) -> Bool {
        guard let message = data["message"], !message.isNull else { return true }
        guard let fields = message.objectValue else { return false }
        return fields.members.allSatisfy { $0.key == "messageContextInfo" }
    }

    static func normalise(_ event: String) -> String {
        guard event.utf8.contains(where: { $0 == UInt8(ascii: "_") || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }) else {
            return event
        }
        var normalised = ""
        normalised.reserveCapacity(event.utf8.count)
        for scalar in event.unicodeScalars {
            switch scalar {
            case "_": normalised.unicodeScalars.append(".")
            case "A"..."Z": normalised.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            default: normalised.unicodeScalars.append(scalar)
            }
        }
        return normalised
    }

    private static func findEntryPoint(_ data: JSONObject) -> String? {
        if let source = data["contextInfo"]?["entryPointConversionSource"]?.nonEmptyString { return source }
        // v1: inside the message content, e.g. data.message.extendedTextMessage.contextInfo.
        for member in data["message"]?.objectValue?.members ?? [] {
            if let source = member.value["contextInfo"]?["entryPointConversionSource"]?.nonEmptyString { return source }
        }
        return nil
    }
}
