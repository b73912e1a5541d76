import DedupCore
import Foundation

/// An entry as a JSON object: the `-` downstream's line format and `dead-letters list --json`.
///
/// Every field appears under its own name, plus `id`. `headers` is the JSON object it holds; the unix
/// times and attempt count are numbers; `body` is text when it is valid UTF-8 and `body_base64`
/// otherwise, so binary bodies survive the trip. Keys are sorted, so lines are stable to compare.
enum EntryJSON {
    static let numericFields: Set<String> = ["received_at", "failed_at", "attempts"]

    static func object(_ entry: StreamEntry) -> [String: Any] {
        var object: [String: Any] = ["id": entry.id]
        for field in entry.fields where object[field.name] == nil && object[field.name + "_base64"] == nil {
            switch field.name {
            case "headers":
                object["headers"] =
                    (try? JSONSerialization.jsonObject(with: Data(field.value)) as? [String: Any])
                    ?? String(decoding: field.value, as: UTF8.self)
            case let name where numericFields.contains(name):
                let text = String(decoding: field.value, as: UTF8.self)
                object[name] = Int(text) ?? text
            default:
                if let text = String(validating: field.value, as: UTF8.self) {
                    object[field.name] = text
                } else {
                    object[field.name + "_base64"] = Data(field.value).base64EncodedString()
                }
            }
        }
        return object
    }

    /// One line of JSON, without the newline.
    static func line(_ entry: StreamEntry) -> String {
        SortedJSON.text(jsonObject: object(entry)) ?? "{}"
    }
}
