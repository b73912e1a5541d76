import DedupCore
import HTTPTypes
import Hummingbird

/// The 200 answer to a POST: `{"status","key","id"}` for one message, `{"status","items":[...]}` for a
/// batch (a Meta POST with several items). A duplicate is a 200 too: any other status makes the sender
/// retry.
struct WebhookAnswer: Encodable, Sendable {
    enum Status: String, Encodable, Sendable {
        case accepted, duplicate, partial
    }

    struct Item: Encodable, Sendable {
        var key: String
        var status: Status
        var id: String
    }

    var status: Status
    var key: String?
    var id: String?
    var items: [Item]?

    init(keys: [String], results: [AcceptResult], isBatch: Bool) {
        let items = zip(keys, results).map { key, result in
            Item(key: key, status: result.isNew ? .accepted : .duplicate, id: result.entryID)
        }
        let accepted = items.filter { $0.status == .accepted }.count
        status = accepted == items.count ? .accepted : (accepted == 0 ? .duplicate : .partial)
        if isBatch {
            self.items = items
        } else {
            key = items.first?.key
            id = items.first?.id
        }
    }

    var response: Response {
        JSONResponse.make(.ok, self, headers: [HTTPField.Name.dedupStatus: status.rawValue])
    }
}

extension HTTPField.Name {
    static let dedupStatus = Self("X-Dedup-Status")!
}
