internal import Foundation

extension SourceRule {
    /// The body to store and forward without ``redactedFields``, written in the sender's member
    /// order; nil when the rule redacts nothing or the body has none of them, so the original bytes
    /// are kept.
    func redacting(_ object: JSONObject) -> Data? {
        guard !redactedFields.isEmpty, redactedFields.contains(where: { object[$0] != nil }) else { return nil }
        var object = object
        for field in redactedFields { object[field] = nil }
        return JSONWriter.preservingOrder(.object(object))
    }
}
