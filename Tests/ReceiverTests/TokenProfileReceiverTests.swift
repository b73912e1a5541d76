import Crypto
import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The gitlab, telegram and github profiles through the receiver: what each sender changes between
/// retries, and its token or signature. None publishes a signing library on PyPI; tokens are sent as
/// the senders document, GitHub's signature computed as GitHub documents it.
@Suite("Receiver: gitlab, telegram and github profiles", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct TokenProfileReceiverTests {
    static let sources = try! SourcesConfig.parse(
        """
        sources:
          gitlab:
            auth: { secret_env: GITLAB_TOKEN }
          telegram:
            auth: { secret_env: TELEGRAM_SECRET }
          github:
            auth: { secret_env: GITHUB_SECRET }
        """, environment: ["GITLAB_TOKEN": "glt", "TELEGRAM_SECRET": "tg-secret_1", "GITHUB_SECRET": "It's a Secret to Everybody"])

    @Test func gitlab() async throws {
        let body = try ReceiverTest.fixture("gitlab-push.json")
        func headers(_ key: String?, _ uuid: String, token: String = "glt") -> [String: String] {
            var headers = [
                "X-Gitlab-Token": token, "X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": uuid, "X-Gitlab-Webhook-UUID": UUID().uuidString,
            ]
            headers["Idempotency-Key"] = key
            return headers
        }
        let first = headers("f5e5f430", "e1")
        let resent = headers("f5e5f430", "e1")
        let other = headers("aa11bb22", "e2")
        let wrong = headers("cc33", "e3", token: "guess")
        let older = headers(nil, "e4")
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = Self.sources }) { client in
            let r1 = try await ProfileRequests.post(client, "/webhook/gitlab", body: body, headers: first)
            #expect(r1.answer?.status == "accepted")
            let r2 = try await ProfileRequests.post(client, "/webhook/gitlab", body: body, headers: resent)
            #expect(r2.answer?.status == "duplicate")
            let r3 = try await ProfileRequests.post(client, "/webhook/gitlab", body: body, headers: other)
            #expect(r3.answer?.status == "accepted")
            let r4 = try await ProfileRequests.post(client, "/webhook/gitlab", body: body, headers: older)
            #expect(r4.answer?.key == "gitlab:e4")
            let r5 = try await ProfileRequests.post(client, "/webhook/gitlab", body: body, headers: wrong)
            #expect(r5.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 3, window: 259_200)
        }
    }

    @Test func telegram() async throws {
        let body = try ReceiverTest.fixture("telegram-update.json")
        let next = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "10000", with: "10001").utf8)
        let token = ["X-Telegram-Bot-Api-Secret-Token": "tg-secret_1"]
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = Self.sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/telegram/support_bot", body: body, headers: token)
            #expect(first.answer?.key == "telegram:support_bot:10000")
            #expect(first.answer?.status == "accepted")
            // Telegram resends the same update until answered.
            let r6 = try await ProfileRequests.post(client, "/webhook/telegram/support_bot", body: body, headers: token)
            #expect(r6.answer?.status == "duplicate")
            let r7 = try await ProfileRequests.post(client, "/webhook/telegram/support_bot", body: next, headers: token)
            #expect(r7.answer?.status == "accepted")
            // The same update_id from another bot is another update.
            let r8 = try await ProfileRequests.post(client, "/webhook/telegram/sales_bot", body: body, headers: token)
            #expect(r8.answer?.status == "accepted")
            let forged = ["X-Telegram-Bot-Api-Secret-Token": "tg-secret_2"]
            let r9 = try await ProfileRequests.post(client, "/webhook/telegram/support_bot", body: next, headers: forged)
            #expect(r9.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 3, window: 86_400)
        }
    }

    @Test func github() async throws {
        let body = Data(#"{"zen":"Keep it logically awesome.","hook_id":1}"#.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data("It's a Secret to Everybody".utf8)))
        let signature = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        func headers(_ delivery: String) -> [String: String] {
            ["X-GitHub-Delivery": delivery, "X-GitHub-Event": "ping", "X-Hub-Signature-256": signature]
        }
        let (first, redelivery, other) = (headers("72d3162e"), headers("72d3162e"), headers("8a1f0000"))
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = Self.sources }) { client in
            let r10 = try await ProfileRequests.post(client, "/webhook/github", body: body, headers: first)
            #expect(r10.answer?.status == "accepted")
            let r11 = try await ProfileRequests.post(client, "/webhook/github", body: body, headers: redelivery)
            #expect(r11.answer?.status == "duplicate")
            let r12 = try await ProfileRequests.post(client, "/webhook/github", body: body, headers: other)
            #expect(r12.answer?.status == "accepted")
            let r13 = try await ProfileRequests.post(client, "/webhook/github", body: body + Data(" ".utf8), headers: other)
            #expect(r13.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 259_200)
        }
    }
}
