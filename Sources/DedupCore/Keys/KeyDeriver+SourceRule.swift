extension KeyDeriver {
    /// Rule 1: the source's own `key` parts, else its `ignore`-filtered body hash, else nil so the
    /// built-in rules run.
    ///
    /// A part that is missing (or JSON `null`) is written `-`; only when every part is missing does
    /// the rule give up, because a key of nothing but `-` would make every such request of the
    /// source one "duplicate". A non-JSON body has no pointer values and cannot be filtered, so
    /// only header parts can key it.
    static func sourceRuleKey(_ rule: SourceRule, request: WebhookRequest, json: JSONValue?) -> String? {
        if !rule.keyParts.isEmpty {
            var values: [String?] = []
            values.reserveCapacity(rule.keyParts.count)
            for part in rule.keyParts {
                values.append(part.value(in: request, json: json, form: nil))
            }
            if values.contains(where: { $0 != nil }) {
                return DedupKey.make(kind: "rule", values: values)
            }
        }
        if !rule.ignore.isEmpty, let json {
            let filtered = rule.ignore.reduce(json) { tree, pointer in pointer.removing(from: tree) }
            return DedupKey.make(kind: "rule", values: [], digestHex: JSONWriter.canonicalSHA256Hex(filtered))
        }
        return nil
    }
}
