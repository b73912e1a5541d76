extension KeyPart {
    /// This part's value in a request: the JSON value at the pointer as key text, the header's
    /// trimmed value, the path after the source without its leading `/`, or the form field's value;
    /// nil when absent, empty or JSON `null`.
    func value(in request: WebhookRequest, json: JSONValue?, form: FormBody?) -> String? {
        switch self {
        case .pointer(let pointer):
            json.flatMap { pointer.resolve(in: $0)?.keyText }
        case .header(let name):
            HeaderLookup.value(name, in: request.headers)
        case .path:
            request.path.isEmpty || request.path == "/" ? nil : String(request.path.dropFirst())
        case .formField(let name):
            form?.value(name)
        }
    }
}
