import DedupCore
import Foundation
import Testing

@Suite("Evolution API keys")
struct EvolutionKeyTests {
    @Test func upsertKeyShapeAndEntryPoint() throws {
        let derivation = try derive(Fixtures.data(Fixtures.evolutionUpsert))
        #expect(derivation.rule == .evolution)
        #expect(derivation.ttl == nil)
        #expect(try key(derivation) == "evo:loja-centro:messages.upsert:3A9F2C71D04B8E5A6C11:0")
        #expect(derivation.items[0].entryPoint == "click_to_chat_link")
    }

    @Test func bodyIsStoredAsReceived() throws {
        let body = try Fixtures.data(Fixtures.evolutionUpsert)
        let derivation = try derive(body)
        #expect(derivation.items[0].body == body)
    }

    @Test func resentFixtureIsTheSameKey() throws {
        let original = try derive(Fixtures.data(Fixtures.evolutionUpsert))
        let resent = try derive(Fixtures.data(Fixtures.evolutionUpsertResent))
        #expect(try Fixtures.data(Fixtures.evolutionUpsert) != Fixtures.data(Fixtures.evolutionUpsertResent))
        #expect(try key(original) == key(resent))
    }

    @Test func lidAndPhoneAddressingAreTheSameKey() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let lid = setting(
            setting(base, ["data", "key", "remoteJid"], to: "140237760012345@lid"), ["data", "key", "remoteJidAlt"],
            to: "5521987650001@s.whatsapp.net")
        let phoneOnly = setting(base, ["data", "key", "remoteJidAlt"], to: nil)
        let keys = try [base, lid, phoneOnly].map { try key(derive(json($0))) }
        #expect(Set(keys).count == 1)
    }

    @Test func timestampsNeverTakePart() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let changed = setting(setting(base, ["data", "messageTimestamp"], to: 1_999_999_999), ["date_time"], to: "2030-01-01T00:00:00.000Z")
        #expect(try key(derive(json(base))) == key(derive(json(changed))))
    }

    @Test func sameIdInTwoInstancesDiffers() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let other = setting(base, ["instance"], to: "loja-norte")
        let first = try key(derive(json(base)))
        let second = try key(derive(json(other)))
        #expect(first != second)
        #expect(second == "evo:loja-norte:messages.upsert:3A9F2C71D04B8E5A6C11:0")
    }

    @Test func fromMeTrueAndFalseDiffer() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let mine = setting(base, ["data", "key", "fromMe"], to: true)
        #expect(try key(derive(json(mine))) == "evo:loja-centro:messages.upsert:3A9F2C71D04B8E5A6C11:1")
        #expect(try key(derive(json(base))) != key(derive(json(mine))))
    }

    @Test func numericFromMeIsNotABoolean() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let numeric = setting(base, ["data", "key", "fromMe"], to: 1)
        #expect(try key(derive(json(numeric))) == "evo:loja-centro:messages.upsert:3A9F2C71D04B8E5A6C11:-")
    }

    @Test func stubThenFullMessageAreTwoKeys() throws {
        let full = try Fixtures.object(Fixtures.evolutionUpsert)
        let stubs: [[String: Any]] = [
            setting(setting(full, ["data", "message"], to: nil), ["data", "messageStubType"], to: 2),
            setting(full, ["data", "message"], to: NSNull()),
            setting(full, ["data", "message"], to: [String: Any]()),
            setting(full, ["data", "message"], to: ["messageContextInfo": ["deviceListMetadataVersion": 2]]),
        ]
        let fullKey = try key(derive(json(full)))
        for stub in stubs {
            let stubKey = try key(derive(json(stub)))
            #expect(stubKey == "evo:loja-centro:messages.upsert:3A9F2C71D04B8E5A6C11:0:stub")
            #expect(stubKey != fullKey)
        }
    }

    @Test func perEventPathSuffixDoesNotChangeTheKey() throws {
        let body = try Fixtures.data(Fixtures.evolutionUpsert)
        let plain = try key(derive(body, path: ""))
        let suffixed = try key(derive(body, path: "/messages-upsert"))
        #expect(plain == suffixed)
    }

    @Test func uppercaseEventNamesAreNormalised() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let upper = setting(base, ["event"], to: "MESSAGES_UPSERT")
        #expect(try key(derive(json(upper))) == key(derive(json(base))))
        let send = setting(base, ["event"], to: "SEND_MESSAGE")
        #expect(try key(derive(json(send))) == "evo:loja-centro:send.message:3A9F2C71D04B8E5A6C11:0")
    }

    @Test func v1UpsertAndItsEntryPoint() throws {
        let derivation = try derive(Fixtures.data(Fixtures.evolutionV1Upsert))
        #expect(derivation.rule == .evolution)
        #expect(try key(derivation) == "evo:loja-centro:messages.upsert:3A7D51E09BC24F6A8E02:0")
        #expect(derivation.items[0].entryPoint == "click_to_chat_link")
    }

    @Test func v1EntryPointInsideTheMessageType() throws {
        let base = try Fixtures.object(Fixtures.evolutionV1Upsert)
        let onlyNested = setting(
            setting(base, ["data", "contextInfo"], to: nil),
            ["data", "message", "extendedTextMessage", "contextInfo", "entryPointConversionSource"],
            to: "ctwa_ad"
        )
        #expect(try derive(json(onlyNested)).items[0].entryPoint == "ctwa_ad")
        let none = setting(setting(base, ["data", "contextInfo"], to: nil), ["data", "message"], to: ["conversation": "oi"])
        #expect(try derive(json(none)).items[0].entryPoint == nil)
    }

    @Test func upsertWithoutIdIsHashedLikeAnOtherEvent() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let noId = setting(base, ["data", "key", "id"], to: nil)
        let noIdKey = try key(derive(json(noId)))
        #expect(noIdKey.hasPrefix("evo:loja-centro:messages.upsert:sha256:"))
        #expect(noIdKey.count == "evo:loja-centro:messages.upsert:sha256:".count + 64)
    }

    @Test func statusUpdatesOfOneMessageAreDistinct() throws {
        let read = try Fixtures.object(Fixtures.evolutionUpdate)
        let delivered = setting(read, ["data", "status"], to: "DELIVERY_ACK")
        let readKey = try key(derive(json(read)))
        #expect(readKey == "evo:loja-centro:messages.update:3EB0A1C2D3E4F50617283B:READ")
        #expect(try key(derive(json(delivered))) == "evo:loja-centro:messages.update:3EB0A1C2D3E4F50617283B:DELIVERY_ACK")
        let readAgain = setting(read, ["date_time"], to: "2025-10-21T15:30:00.000Z")
        #expect(try key(derive(json(readAgain))) == readKey)
    }

    @Test func v1UpdateIdFallbacks() throws {
        let read = try Fixtures.object(Fixtures.evolutionUpdate)
        let withoutKeyId = setting(read, ["data", "keyId"], to: nil)
        let viaKey = setting(withoutKeyId, ["data", "key"], to: ["id": "ABC123", "fromMe": true])
        #expect(try key(derive(json(viaKey))) == "evo:loja-centro:messages.update:ABC123:READ")
        let viaId = setting(withoutKeyId, ["data", "id"], to: "XYZ")
        #expect(try key(derive(json(viaId))) == "evo:loja-centro:messages.update:XYZ:READ")
        let noStatus = setting(read, ["data", "status"], to: nil)
        #expect(try key(derive(json(noStatus))) == "evo:loja-centro:messages.update:3EB0A1C2D3E4F50617283B:-")
    }

    @Test func otherEventsHashTheBodyWithoutDateTime() throws {
        let base = try Fixtures.object(Fixtures.evolutionConnection)
        let baseKey = try key(derive(json(base)))
        #expect(baseKey.hasPrefix("evo:loja-centro:connection.update:sha256:"))
        let laterDate = setting(base, ["date_time"], to: "2025-10-21T16:00:00.000Z")
        #expect(try key(derive(json(laterDate))) == baseKey)
        let otherState = setting(base, ["data", "state"], to: "close")
        #expect(try key(derive(json(otherState))) != baseKey)
        let otherSender = setting(base, ["sender"], to: "5511900000000@s.whatsapp.net")
        #expect(try key(derive(json(otherSender))) != baseKey)
        #expect(try derive(json(base)).items[0].entryPoint == nil)
    }

    @Test func fixtureBytesAndReencodedObjectHashTheSame() throws {
        // Canonical JSON: key order and slash escaping do not matter.
        let fixtureKey = try key(derive(Fixtures.data(Fixtures.evolutionConnection)))
        let reencoded = try JSONSerialization.data(withJSONObject: Fixtures.object(Fixtures.evolutionConnection), options: [.sortedKeys])
        #expect(try key(derive(reencoded)) == fixtureKey)
    }

    @Test func arrayDataEventsHashWithoutDateTime() throws {
        let body: [String: Any] = [
            "event": "contacts.upsert", "instance": "loja-centro",
            "data": [["remoteJid": "5521987650001@s.whatsapp.net", "pushName": "Mariana S."]],
            "date_time": "2025-10-21T15:00:00.000Z",
        ]
        let baseKey = try key(derive(json(body)))
        #expect(baseKey.hasPrefix("evo:loja-centro:contacts.upsert:sha256:"))
        #expect(try key(derive(json(setting(body, ["date_time"], to: "2025-10-22T00:00:00.000Z")))) == baseKey)
        let otherContact = setting(body, ["data"], to: [["remoteJid": "5521987650002@s.whatsapp.net"]])
        #expect(try key(derive(json(otherContact))) != baseKey)
        let upsertArray = setting(body, ["event"], to: "messages.upsert")
        #expect(try key(derive(json(upsertArray))).hasPrefix("evo:loja-centro:messages.upsert:sha256:"))
    }

    @Test func unusualCharactersAreEncoded() throws {
        let base = try Fixtures.object(Fixtures.evolutionUpsert)
        let odd = setting(base, ["instance"], to: "loja centro:1/ç")
        #expect(try key(derive(json(odd))) == "evo:loja%20centro%3A1%2F%C3%A7:messages.upsert:3A9F2C71D04B8E5A6C11:0")
    }

    @Test func notEvolutionWithoutStringEventAndInstance() throws {
        let noInstance: [String: Any] = ["event": "messages.upsert", "data": ["key": ["id": "X"]]]
        #expect(try derive(json(noInstance)).rule == .rawBody)
        let numericEvent: [String: Any] = ["event": 1, "instance": "a", "data": ["key": ["id": "X"]]]
        #expect(try derive(json(numericEvent)).rule == .rawBody)
    }
}
