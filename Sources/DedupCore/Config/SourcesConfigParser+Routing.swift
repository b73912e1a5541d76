/// The `destinations:` section and each source's `routes:`.
extension SourcesConfigParser {
    static let destinationFields = [
        "url", "headers", "timeout_ms", "max_attempts", "retry", "concurrency", "rate", "final_statuses", "order_by", "partitions",
    ]
    static let routeFields = ["to", "events", "match", "headers"]

    func parseDestinations(_ value: ConfigValue?) throws(ConfigError) -> [Destination] {
        guard let value else { return [] }
        guard case .map(let entries) = value, !entries.isEmpty else {
            throw ConfigError("\(origin): \"destinations\" must be a non-empty mapping of destination names, got \(value.kindName)")
        }
        var parser = self
        parser.subject = "destination"
        var destinations: [Destination] = []
        for (name, body) in entries {
            guard Destination.isValidName(name) else {
                throw ConfigError("\(origin): destination name \"\(name)\" is not valid (1-64 of A-Za-z0-9._-)")
            }
            destinations.append(try parser.parseDestination(name, body))
        }
        return destinations
    }

    private func parseDestination(_ name: String, _ body: ConfigValue) throws(ConfigError) -> Destination {
        let fields = try mapping(name, "destination", body, allowed: Self.destinationFields)
        guard case .string(let url)? = fields["url"] else { throw fail(name, "url is required (http:// or https://)") }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            throw fail(name, "url must be an http:// or https:// URL")
        }
        var destination = Destination(name: name, url: url)
        if let headers = fields["headers"] { destination.headers = try parseHeaders(name, headers) }
        destination.timeoutMs = try fields["timeout_ms"].map { v throws(ConfigError) in try bounded(name, "timeout_ms", v, 1...3_600_000) }
        destination.maxAttempts = try fields["max_attempts"].map { v throws(ConfigError) in try bounded(name, "max_attempts", v, 1...1000) }
        destination.concurrency = try fields["concurrency"].map { v throws(ConfigError) in try bounded(name, "concurrency", v, 1...4096) }
        if let retry = fields["retry"] {
            let parts = try mapping(name, "retry", retry, allowed: ["base_ms", "max_ms"])
            destination.retryBaseMs = try parts["base_ms"].map { v throws(ConfigError) in try bounded(name, "retry.base_ms", v, 1...3_600_000) }
            destination.retryMaxMs = try parts["max_ms"].map { v throws(ConfigError) in try bounded(name, "retry.max_ms", v, 1...86_400_000) }
            if let base = destination.retryBaseMs, let max = destination.retryMaxMs, max < base {
                throw fail(name, "retry.max_ms \(max) must not be below retry.base_ms \(base)")
            }
        }
        if let rate = fields["rate"] {
            let parts = try mapping(name, "rate", rate, allowed: ["per_second", "burst"])
            guard let perSecond = parts["per_second"] else { throw fail(name, "rate.per_second is required") }
            let rateValue = try bounded(name, "rate.per_second", perSecond, 1...1_000_000)
            let burst = try parts["burst"].map { v throws(ConfigError) in try bounded(name, "rate.burst", v, 1...1_000_000) }
            destination.rate = RateLimitRule(rate: rateValue, perSeconds: 1, burst: burst)
        }
        if let statuses = fields["final_statuses"] {
            guard case .array(let items) = statuses else {
                throw fail(name, "final_statuses must be a list of HTTP statuses, got \(statuses.kindName)")
            }
            var set: Set<Int> = []
            for (index, item) in items.enumerated() {
                let status = try bounded(name, "final_statuses[\(index)]", item, 300...599)
                set.insert(status)
            }
            destination.finalStatuses = set
        }
        if let orderBy = fields["order_by"] {
            let items = try strings(name, "order_by", orderBy).map(\.1)
            do {
                destination.orderBy = try OrderBy(items: items)
            } catch {
                throw fail(name, error.description)
            }
        }
        destination.partitions = try fields["partitions"].map { v throws(ConfigError) in try bounded(name, "partitions", v, 1...4096) }
        return destination
    }

    /// `NAME: value` or `NAME: {secret_env | secret_file | secret: ...}`; every value is kept as a
    /// ``Secret``, since headers are where tokens go.
    private func parseHeaders(_ name: String, _ value: ConfigValue) throws(ConfigError) -> [DestinationHeader] {
        guard case .map(let pairs) = value else { throw fail(name, "headers must be a mapping of header names, got \(value.kindName)") }
        var headers: [DestinationHeader] = []
        for (header, item) in pairs {
            guard Self.isHeaderName(header) else { throw fail(name, "headers: \"\(header)\" is not a header name") }
            switch item {
            case .string(let text):
                headers.append(DestinationHeader(name: header, value: Secret(text)))
            case .map:
                let fields = try mapping(name, "headers.\(header)", item, allowed: ["secret", "secret_env", "secret_file"])
                let secret = try resolveSecret(name, fields, label: "headers.\(header)")
                headers.append(DestinationHeader(name: header, value: Secret(secret.value)))
            default:
                throw fail(name, "headers.\(header) must be a string or {secret_env: NAME} / {secret_file: PATH}, got \(item.kindName)")
            }
        }
        return headers
    }

    private func bounded(_ name: String, _ field: String, _ value: ConfigValue, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .int(let number) = value, range.contains(number) else {
            let got = if case .int(let number) = value { "\(number)" } else { value.kindName }
            throw fail(name, "\(field) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(got)")
        }
        return number
    }

    func parseRoutes(_ source: String, _ value: ConfigValue) throws(ConfigError) -> [Route] {
        guard case .array(let items) = value else { throw fail(source, "routes must be a list, got \(value.kindName)") }
        var routes: [Route] = []
        for (index, item) in items.enumerated() {
            let label = "routes[\(index)]"
            let fields = try mapping(source, label, item, allowed: Self.routeFields)
            guard case .string(let to)? = fields["to"] else { throw fail(source, "\(label).to is required (a destination name)") }
            var route = Route(destination: to)
            if let events = fields["events"] {
                route.events = Set(try strings(source, "\(label).events", events).map { EventName.normalize($0.1) })
            }
            if let match = fields["match"] {
                guard case .array(let conditions) = match, !conditions.isEmpty else {
                    throw fail(source, "\(label).match must be a non-empty list of conditions, got \(match.kindName)")
                }
                for (position, condition) in conditions.enumerated() {
                    route.conditions.append(try parseCondition(source, "\(label).match[\(position)]", condition))
                }
            }
            if let headers = fields["headers"] {
                guard case .map(let pairs) = headers else { throw fail(source, "\(label).headers must be a mapping, got \(headers.kindName)") }
                for (header, expected) in pairs {
                    guard Self.isHeaderName(header), case .string(let text) = expected else {
                        throw fail(source, "\(label).headers: \"\(header)\" must be a header name with a string value")
                    }
                    route.headers.append(.init(name: header, value: text))
                }
            }
            routes.append(route)
        }
        return routes
    }

    private func parseCondition(_ source: String, _ label: String, _ value: ConfigValue) throws(ConfigError) -> RouteCondition {
        let fields = try mapping(source, label, value, allowed: ["pointer", "equals", "in", "exists", "not"])
        if let inner = fields["not"] {
            guard fields.count == 1 else { throw fail(source, "\(label).not must be alone, holding one condition") }
            let condition = try parseCondition(source, "\(label).not", inner)
            return RouteCondition(pointer: condition.pointer, test: condition.test, negated: !condition.negated)
        }
        guard case .string(let text)? = fields["pointer"] else { throw fail(source, "\(label).pointer is required (a JSON pointer)") }
        let target = try pointer(source, "\(label).pointer", text)
        let tests = ["equals", "in", "exists"].filter { fields[$0] != nil }
        guard tests.count == 1, let test = tests.first, let operand = fields[test] else {
            throw fail(source, "\(label) needs exactly one of equals, in, exists")
        }
        switch test {
        case "equals":
            return RouteCondition(pointer: target, test: .equals(operand.jsonValue))
        case "in":
            guard case .array(let options) = operand, !options.isEmpty else {
                throw fail(source, "\(label).in must be a non-empty list, got \(operand.kindName)")
            }
            return RouteCondition(pointer: target, test: .oneOf(options.map(\.jsonValue)))
        default:
            guard case .bool(let wanted) = operand else { throw fail(source, "\(label).exists must be true or false, got \(operand.kindName)") }
            return RouteCondition(pointer: target, test: .exists(wanted))
        }
    }

    /// Routes name destinations of the file; with destinations, a listed source without routes needs a
    /// destination called `default` to go to.
    func checkRoutes(_ sources: [String: SourceRule], destinations: [Destination]) throws(ConfigError) {
        let names = destinations.map(\.name)
        for (source, rule) in sources.sorted(by: { $0.key < $1.key }) {
            guard let routes = rule.routes else {
                if !destinations.isEmpty && !names.contains(Destination.defaultName) {
                    throw fail(source, "has no routes and no destination is called \"default\" (add routes: or a default destination)")
                }
                continue
            }
            guard !destinations.isEmpty else { throw fail(source, "routes need a destinations: section") }
            for (index, route) in routes.enumerated() where !names.contains(route.destination) {
                throw fail(
                    source, "routes[\(index)].to \"\(route.destination)\" is not a destination (expected one of: \(names.joined(separator: ", ")))")
            }
        }
    }
}

extension ConfigValue {
    /// The value as a JSON value, for comparing with a body.
    var jsonValue: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .int(let number): .number(String(number))
        case .double(let number): .number(String(number))
        case .bool(let flag): .bool(flag)
        case .null: .null
        case .array(let items): .array(items.map(\.jsonValue))
        case .map(let pairs): .object(JSONObject(pairs.map { JSONObject.Member(key: $0.key, value: $0.value.jsonValue) }))
        }
    }
}
