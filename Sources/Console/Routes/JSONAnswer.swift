import Foundation
import HTTPTypes
import Hummingbird

/// The console's JSON answers: keys sorted, so the API's output is stable to read and to diff.
enum JSONAnswer {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"error": MESSAGE}`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        make(["error": message], status: status)
    }
}
