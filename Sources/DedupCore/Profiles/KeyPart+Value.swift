extension KeyPart {
    /// This part's value in a request: the JSON value at the pointer as key text, or the header's
    /// trimmed value; nil when absent, empty (headers) or JSON `null`.
    func value(headers: [(name: String, value: String)], json: JSONValue?) -> String? {
        switch self {
        case .pointer(let pointer):
            json.flatMap { pointer.resolve(in: $0)?.keyText }
        case .header(let name):
            HeaderLookup.value(name, in: headers)
        }
    }
}
