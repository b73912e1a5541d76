import DedupCore
import Foundation
import Testing

/// Reads the sample bodies in the repository's `examples/` folder (beside `Tests/`), found from this
/// file's path: tests run from the checkout they were built from, so no setting is needed.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DedupCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .appendingPathComponent("examples", isDirectory: true)

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func object(_ name: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: data(name)) as? [String: Any])
    }

    static let evolutionUpsert = "evolution-v2-messages-upsert.json"
    static let evolutionUpsertResent = "evolution-v2-messages-upsert-resent.json"
    static let evolutionUpdate = "evolution-v2-messages-update.json"
    static let evolutionConnection = "evolution-v2-connection-update.json"
    static let evolutionV1Upsert = "evolution-v1-messages-upsert.json"
    static let metaMessages = "meta-cloud-messages.json"
}

/// Builds a request the way the receiver would hand it over.
func request(
    _ body: Data,
    source: String = "evolution",
    path: String = "",
    contentType: String? = "application/json",
    headers: [(name: String, value: String)] = []
) -> WebhookRequest {
    WebhookRequest(source: source, path: path, contentType: contentType, headers: headers, body: body)
}

func derive(
    _ body: Data,
    source: String = "evolution",
    path: String = "",
    contentType: String? = "application/json",
    headers: [(name: String, value: String)] = [],
    sources: SourcesConfig = SourcesConfig()
) throws -> Derivation {
    try KeyDeriver(sources: sources).derive(request(body, source: source, path: path, contentType: contentType, headers: headers))
}

/// The single key of a non-batch derivation.
func key(_ derivation: Derivation) throws -> String {
    #expect(derivation.items.count == 1)
    #expect(!derivation.isBatch)
    return try #require(derivation.items.first).key
}

func json(_ object: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])
}

/// A copy of `object` with the value at `path` replaced (nil removes it); intermediate objects are
/// created as needed. Used to generate variations of the fixtures.
func setting(_ object: [String: Any], _ path: [String], to value: Any?) -> [String: Any] {
    var copy = object
    guard let first = path.first else { return copy }
    if path.count == 1 {
        copy[first] = value
    } else {
        copy[first] = setting(copy[first] as? [String: Any] ?? [:], Array(path.dropFirst()), to: value)
    }
    return copy
}
