internal import Foundation

extension SenderProfile {
    /// One ``DerivedItem`` per element of a JSON array body, keyed `<name>:<id>` by ``batchKey``, or
    /// `<name>:sha256:<hex of the canonical element>` for an element without an id; nil when the
    /// profile does not split or the body is not a non-empty array, so the other rules key it.
    ///
    /// As with a split Meta batch, a single element keeps the original bytes; several get one body
    /// each, a one-element array in the sender's own shape, so the downstream parses every entry the
    /// way it parses the sender's POSTs. An event repeated within one POST is kept: the accept script
    /// answers the second as a duplicate.
    func batchItems(_ json: JSONValue?, originalBody: Data) -> [DerivedItem]? {
        guard let batchKey, let elements = json?.arrayValue, !elements.isEmpty else { return nil }
        func key(_ element: JSONValue) -> String {
            if let id = batchKey.resolve(in: element)?.keyText {
                return DedupKey.make(kind: name, values: [id])
            }
            return DedupKey.make(kind: name, values: [], digestHex: JSONWriter.canonicalSHA256Hex(element))
        }
        if elements.count == 1 {
            return [DerivedItem(key: key(elements[0]), body: originalBody, json: json)]
        }
        return elements.map { element in
            let one = JSONValue.array([element])
            return DerivedItem(key: key(element), body: JSONWriter.preservingOrder(one), json: one)
        }
    }
}
