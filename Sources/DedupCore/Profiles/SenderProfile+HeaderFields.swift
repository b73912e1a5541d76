extension SenderProfile {
    /// `object` with each of ``headerFields`` that the body lacks taken from its header, for keying
    /// only; the object itself when nothing is missing or no header carries it.
    func fillingHeaderFields(_ object: JSONObject, from headers: [(name: String, value: String)]) -> JSONObject {
        var object = object
        for field in headerFields where object[field.field]?.nonEmptyString == nil {
            if let value = HeaderLookup.value(field.header, in: headers) {
                object[field.field] = .string(value)
            }
        }
        return object
    }
}
