import DedupCore
import HTTPTypes
import Hummingbird

/// The console's JSON answers: keys sorted, so the API's output is stable to read and to diff.
enum JSONAnswer {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: SortedJSON.text(value) ?? "{}")))
    }

    /// `{"error": MESSAGE}`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        make(["error": message], status: status)
    }
}
