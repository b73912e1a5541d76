import DedupCore
import HTTPTypes
import Hummingbird

/// A response with a JSON body written by ``JSONWriter``, so every answer has fixed bytes: members in
/// the order the contract lists them (`JSONEncoder` on Linux varied the order from one answer to the
/// next) and no encoder on the request path.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, json: JSONWriter, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    /// `{"status":STATUS}`, the health answers.
    static func status(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var json = JSONWriter(capacity: 32)
        json.raw(#"{"status":"#)
        json.string(text)
        json.raw("}")
        return make(status, json: json)
    }
}
