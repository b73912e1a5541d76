// Usage: hummingbird-bare PORT — listens on 127.0.0.1:PORT. POST /webhook/{source}/** collects the
// body (as the receiver does) and answers 200 with a small JSON body; GET /healthz answers 200.
import Hummingbird

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8080 : 8080
let router = Router()
router.get("healthz") { _, _ in HTTPResponse.Status.ok }
let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
    let body = try await request.body.collect(upTo: 10 * 1024 * 1024)
    var buffer = ByteBuffer()
    buffer.writeString("{\"status\":\"ok\",\"bytes\":\(body.readableBytes)}")
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
}
router.post("webhook/{source}", use: answer)
router.post("webhook/{source}/**", use: answer)
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
