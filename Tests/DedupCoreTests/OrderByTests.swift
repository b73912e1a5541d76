import Foundation
import Testing

@testable import DedupCore

/// How `order_by` finds a message's conversation and its partition.
struct OrderByTests {
    private func body(_ json: String) throws -> JSONValue {
        try JSONParser.parse(Data(json.utf8))
    }

    @Test func itemsArePointersOrHeadersAndBadOnesAreNamed() throws {
        let orderBy = try OrderBy(items: ["/instance", "header:X-Chat"])
        #expect(orderBy.parts == [.pointer(JSONPointer("/instance")!), .header("X-Chat")])
        #expect(throws: OrderByError(item: "instance", reason: "not a JSON pointer: must start with /")) {
            try OrderBy(items: ["instance"])
        }
        #expect(throws: OrderByError(item: "header:", reason: "a header name must follow header:")) { try OrderBy(items: ["header:"]) }
        #expect(throws: OrderByError(item: "", reason: "order_by needs at least one item")) { try OrderBy(items: []) }
        #expect(throws: OrderByError.self) { try OrderBy(items: [""]) }
    }

    @Test func evolutionChatIsOneConversationUnderBothOfItsNames() throws {
        let orderBy = try #require(SenderProfile.named("evolution")?.defaultOrderBy)
        let fixture = try JSONParser.parse(try Fixtures.data(Fixtures.evolutionUpsert))
        let byPhone = orderBy.conversation(body: fixture, headers: [])
        #expect(byPhone == "loja-centro\u{1F}5521987650001@s.whatsapp.net")
        // The same chat addressed by its privacy id first, with the phone form as the alternative.
        let byLid = try body(
            #"{"instance":"loja-centro","data":{"key":{"remoteJid":"140237760012345@lid","remoteJidAlt":"5521987650001@s.whatsapp.net"}}}"#)
        #expect(orderBy.conversation(body: byLid, headers: []) == byPhone)
        // Without the alternative, the id is all there is.
        let lidOnly = try body(#"{"instance":"loja-centro","data":{"key":{"remoteJid":"140237760012345@lid"}}}"#)
        #expect(orderBy.conversation(body: lidOnly, headers: []) == "loja-centro\u{1F}140237760012345@lid")
        // Another instance's chat with the same number is another conversation.
        let otherInstance = try body(#"{"instance":"loja-sul","data":{"key":{"remoteJid":"5521987650001@s.whatsapp.net"}}}"#)
        #expect(orderBy.conversation(body: otherInstance, headers: []) != byPhone)
    }

    @Test func metaMessagesAndStatusesOfOneCustomerAreOneConversation() throws {
        let orderBy = try #require(SenderProfile.named("meta")?.defaultOrderBy)
        let message = try JSONParser.parse(try Fixtures.data(Fixtures.metaMessages))
        let status = try body(
            #"{"entry":[{"id":"104857600000001","changes":[{"value":{"statuses":[{"id":"wamid.X","status":"read","recipient_id":"5521987650001"}]},"field":"messages"}]}]}"#
        )
        #expect(orderBy.conversation(body: message, headers: []) == "104857600000001\u{1F}5521987650001")
        #expect(orderBy.conversation(body: status, headers: []) == orderBy.conversation(body: message, headers: []))
    }

    @Test func headersAndMissingItems() throws {
        let orderBy = try OrderBy(items: ["header:x-chat", "/thread"])
        #expect(orderBy.conversation(body: try body(#"{"thread":7}"#), headers: [("X-Chat", " 42 ")]) == "42\u{1F}7")
        // Missing items count as empty: such messages share one conversation instead of escaping the order.
        #expect(orderBy.conversation(body: nil, headers: []) == "\u{1F}")
        #expect(orderBy.description == "[header:x-chat, /thread]")
    }

    @Test func partitionsAreStableAndSpread() {
        // Pinned: every receiver and release must put a conversation in the same partition.
        #expect(OrderingPartition.of(conversation: "loja-centro\u{1F}5521987650001@s.whatsapp.net", partitions: 64) == pinnedPartition)
        #expect(OrderingPartition.of(conversation: "anything", partitions: 1) == 0)
        var counts = [Int](repeating: 0, count: 16)
        for chat in 0..<1_600 { counts[OrderingPartition.of(conversation: "chat-\(chat)", partitions: 16)] += 1 }
        #expect(counts.allSatisfy { (60...140).contains($0) }, "\(counts)")
        #expect(OrderingPartition.shard(ofPartition: 37, shards: 8) == 5)
        #expect(OrderingPartition.shard(ofPartition: 37, shards: 1) == 0)
    }

    /// From the documented rule outside Swift (python3 hashlib: SHA-256, first 8 bytes big-endian, mod 64).
    private let pinnedPartition = 20
}
